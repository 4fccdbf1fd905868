import * as t from 'io-ts';
import { EMPTY, concat, defer, filter, finalize, map, of, switchMap, tap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ClientContext } from '../entities/context';
import { toJson } from '../entities/json';
import { observeAs } from '../entities/operations/observe';
import type { ObserveOptions, Observed } from '../entities/operations/observe';
import { requestDecoded, requestVoid } from '../entities/resource';
import { UsageError } from '../errors';
import { pollUntilDone } from '../lifecycle/waiter';
import type { PollOutcome } from '../lifecycle/waiter';
import type { LabelMappingEntryRequest } from '../models';
import { FunctionCall } from '../models';
import type { TransferEvent } from '../transfer/progress';

/**
 * CVAT's serverless functions (`/api/lambda/*`): models deployed with Nuclio (and, on CVAT
 * Online/Enterprise, native functions served by agents, listed as `pk:{id}`). A server without
 * them answers 503 (or 404), which arrives as an ApiError.
 */

/** A function as `GET /api/lambda/functions` describes it (the schema leaves it untyped). */
export const LambdaFunction = t.intersection([
  t.type({ id: t.string }),
  t.partial({
    kind: t.string,
    name: t.string,
    description: t.string,
    framework: t.union([t.string, t.null]),
    version: t.number,
    labels: t.array(t.string),
    labels_v2: t.array(t.intersection([t.type({ name: t.string }), t.partial({ type: t.string })])),
  }),
]);
export type LambdaFunction = t.TypeOf<typeof LambdaFunction>;

/** What a detector answers for one frame (shapes; the schema leaves them untyped). */
const Detections = t.array(t.UnknownRecord);
export type LambdaDetection = Readonly<Record<string, unknown>>;

export type LabelMapping = Readonly<Record<string, LabelMappingEntryRequest>>;

export interface LambdaCallParams {
  readonly task: number;
  readonly frame: number;
  readonly job?: number;
  readonly threshold?: number;
  readonly mapping?: LabelMapping;
  readonly quality?: 'original' | 'compressed';
  readonly convMaskToPoly?: boolean;
}

export interface RunOnTaskOptions extends ObserveOptions {
  /** Function label name → task label (and attribute) names; default: labels of equal names. */
  readonly mapping?: LabelMapping;
  readonly threshold?: number;
  /** Remove the task's annotations first. */
  readonly cleanup?: boolean;
  readonly convMaskToPoly?: boolean;
  /** Cancel the server's request when unsubscribed before it ends (default true). */
  readonly cancelOnUnsubscribe?: boolean;
}

export interface LambdaRepository {
  /** The functions the server offers. */
  functions(): Observable<LambdaFunction>;
  retrieve(functionId: string): Observable<LambdaFunction>;
  /** Runs a function on one frame and emits what it found. */
  call(functionId: string, params: LambdaCallParams): Observable<readonly LambdaDetection[]>;
  /**
   * Annotates a whole task in the background (`POST /api/lambda/requests`) and follows the
   * request until it ends, polling with the client's backoff: with `{ observe: 'events' }`,
   * progress (the server's 0..100 as a fraction) then the final FunctionCall.
   */
  runOnTask<O extends RunOnTaskOptions | undefined = undefined>(
    functionId: string,
    taskId: number,
    options?: O,
  ): Observable<Observed<FunctionCall, O>>;
  /** The requests the server knows (`GET /api/lambda/requests`). */
  requests(): Observable<FunctionCall>;
  request(requestId: string): Observable<FunctionCall>;
  /** Cancels (deletes) a request. */
  cancel(requestId: string): Observable<void>;
}

function classify(call: FunctionCall): PollOutcome {
  if (call.status === 'finished') return 'finished';
  if (call.status === 'failed' || call.status === 'canceled' || call.status === 'stopped') return 'failed';
  return 'pending';
}

export function lambdaRepository(ctx: ClientContext): LambdaRepository {
  const functionUrl = (id: string): string => `/api/lambda/functions/${encodeURIComponent(id)}`;
  const requestUrl = (id: string): string => `/api/lambda/requests/${encodeURIComponent(id)}`;
  const request = (id: string): Observable<FunctionCall> =>
    requestDecoded(
      ctx,
      { method: 'GET', url: requestUrl(id), operationId: 'lambda_retrieve_requests' },
      FunctionCall,
    );
  const cancel = (id: string): Observable<void> =>
    requestVoid(ctx, { method: 'DELETE', url: requestUrl(id), operationId: 'lambda_delete_requests' });

  const follow = (
    call: FunctionCall,
    cancelOnUnsubscribe: boolean,
  ): Observable<TransferEvent<FunctionCall>> => {
    let ended = false;
    const progress = (c: FunctionCall): TransferEvent<FunctionCall> => ({
      type: 'progress',
      phase: 'processing',
      loaded: Math.min(1, Math.max(0, (c.progress ?? 0) / 100)),
      total: 1,
      message: c.status ?? undefined,
    });
    const polled$ = pollUntilDone(() => request(call.id), {
      ...ctx.polling,
      classify,
      isSameStatus: (a, b) => a.status === b.status && a.progress === b.progress,
      failure: (c) => ({
        requestId: c.id,
        message: c.exc_info ?? `lambda request ${c.id} ${c.status ?? 'failed'}`,
      }),
      description: `lambda request ${call.id}`,
    });
    let last = call;
    return concat(
      of(progress(call)),
      polled$.pipe(
        tap((c) => (last = c)),
        map(progress),
      ),
      defer(() => of<TransferEvent<FunctionCall>>({ type: 'result', value: last })),
    ).pipe(
      tap({ complete: () => (ended = true), error: () => (ended = true) }),
      finalize(() => {
        if (!ended && cancelOnUnsubscribe) cancel(call.id).subscribe({ error: () => undefined });
      }),
    );
  };

  return {
    functions: () =>
      requestDecoded(
        ctx,
        { method: 'GET', url: '/api/lambda/functions', operationId: 'lambda_list_functions' },
        t.array(LambdaFunction),
      ).pipe(switchMap((list) => (list.length === 0 ? EMPTY : of(...list)))),
    retrieve: (id) =>
      requestDecoded(
        ctx,
        { method: 'GET', url: functionUrl(id), operationId: 'lambda_retrieve_functions' },
        LambdaFunction,
      ),
    call: (id, params) =>
      defer(() =>
        requestDecoded(
          ctx,
          {
            method: 'POST',
            url: functionUrl(id),
            body: toJson({
              task: params.task,
              frame: params.frame,
              job: params.job,
              threshold: params.threshold,
              mapping: params.mapping,
              quality: params.quality,
              conv_mask_to_poly: params.convMaskToPoly,
            }),
            operationId: 'lambda_create_functions',
          },
          Detections,
        ),
      ),
    runOnTask: <O extends RunOnTaskOptions | undefined = undefined>(
      functionId: string,
      taskId: number,
      options?: O,
    ) => {
      const events$ = defer(() => {
        const threshold = options?.threshold;
        if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
          throw new UsageError(`threshold must be between 0 and 1, got ${threshold}`);
        return requestDecoded(
          ctx,
          {
            method: 'POST',
            url: '/api/lambda/requests',
            body: toJson({
              function: functionId,
              task: taskId,
              threshold,
              mapping: options?.mapping,
              cleanup: options?.cleanup ?? false,
              conv_mask_to_poly: options?.convMaskToPoly,
            }),
            operationId: 'lambda_create_requests',
          },
          FunctionCall,
        );
      }).pipe(switchMap((call) => follow(call, options?.cancelOnUnsubscribe !== false)));
      return observeAs(events$, options);
    },
    requests: () =>
      requestDecoded(
        ctx,
        { method: 'GET', url: '/api/lambda/requests', operationId: 'lambda_list_requests' },
        t.array(FunctionCall),
      ).pipe(
        switchMap((list) => of(...list)),
        filter((call): call is FunctionCall => call !== undefined),
      ),
    request,
    cancel,
  };
}
