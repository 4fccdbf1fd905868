import * as t from 'io-ts';
import {
  EMPTY,
  Observable,
  ReplaySubject,
  catchError,
  concat,
  concatMap,
  defaultIfEmpty,
  filter,
  defer,
  finalize,
  from,
  interval,
  map,
  mergeMap,
  of,
  repeat,
  switchMap,
  take,
  takeUntil,
  tap,
  timer,
} from 'rxjs';
import { ApiError, CvatError, NetworkError, TimeoutError, UsageError } from '../errors';
import { LabelMappingEntryRequest } from '../models';
import type { LabeledImageRequest, LabeledShapeRequest } from '../models';
import { detectFrame, detectTask } from './driver';
import type { ClientLike, DetectOptions, Detections } from './driver';
import { BadFunctionError } from './function';
import type { DetectionFunction } from './function';
import {
  acquireRequest,
  completeRequest,
  failRequest,
  retrieveNativeFunction,
  updateRequest,
} from './functions-api';
import type { ArParams, NativeFunction, RequestCategory } from './functions-api';
import type { SpecNameMapping } from './mapping';

/**
 * An agent for a native function (as `cvat-cli function run-agent`): it acquires the requests
 * users make in CVAT for the function, runs the detection function on the requested frames, and
 * completes or fails each one. See ./functions-api.ts for the protocol.
 */

export interface ServeAgentOptions extends Pick<DetectOptions, 'concurrency' | 'prefetchChunks' | 'decoder'> {
  /** Process what is queued, then complete (`run-agent --burst`). */
  readonly burst?: boolean;
  /** Mean time between two looks at an empty queue (default 60 s, ±15 % jitter, as cvat-cli). */
  readonly pollIntervalMs?: number;
  /** Time between two lease renewals (progress updates) while a request runs (default 30 s, as cvat-cli). */
  readonly leaseRenewalMs?: number;
  /** The agent's id in the protocol (default: 32 random hex digits). */
  readonly agentId?: string;
  /**
   * When this emits, the agent stops: no more requests are acquired, the request in hand (if any)
   * is failed so that nothing stays acquired, then the stream completes. Unsubscribing does the
   * same, except that the fail request is sent without waiting for it.
   */
  readonly stop?: Observable<unknown>;
}

export type AgentEvent =
  | { readonly type: 'started'; readonly agentId: string; readonly functionId: number }
  | { readonly type: 'acquired'; readonly requestId: string; readonly params: ArParams }
  | { readonly type: 'progress'; readonly requestId: string; readonly progress: number }
  | {
      readonly type: 'completed';
      readonly requestId: string;
      readonly shapes: number;
      readonly tags: number;
    }
  | { readonly type: 'failed'; readonly requestId: string; readonly message: string }
  | { readonly type: 'idle' };

const CATEGORIES: readonly RequestCategory[] = ['interactive', 'batch'];
const DEFAULT_POLL_MS = 60_000;
const DEFAULT_LEASE_MS = 30_000;
const JITTER = 0.15;
export const STOPPED_MESSAGE = 'The agent was stopped before it finished this request';

function randomAgentId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks that the server's function can be served by this detection function (as cvat-cli does). */
export function checkCompatible(remote: NativeFunction, fn: DetectionFunction): void {
  const incompatible = (why: string): never => {
    throw new BadFunctionError(`Function #${remote.id} is incompatible with the function object: ${why}`);
  };
  if (remote.provider !== 'native')
    throw new UsageError(
      `Function #${remote.id} has provider "${remote.provider}"; agents serve only "native" functions`,
    );
  if (remote.kind !== 'detector') incompatible(`kind is "${remote.kind}" (expected "detector")`);
  const labels = new Map(fn.spec.labels.map((label) => [label.name, label]));
  for (const remoteLabel of remote.labels_v2 ?? []) {
    const label = labels.get(remoteLabel.name);
    if (!label) incompatible(`label "${remoteLabel.name}" is not supported`);
    const type = remoteLabel.type ?? 'any';
    if (type !== 'any' && type !== 'unknown' && type !== (label?.type ?? 'any'))
      incompatible(
        `label "${remoteLabel.name}" has type "${type}" but the function declares "${label?.type ?? 'any'}"`,
      );
  }
}

/** What the server is told when a request fails: no details of this machine or its code. */
export function failureMessage(error: unknown): string {
  if (error instanceof ApiError) return `Received HTTP status ${error.status}`;
  if (error instanceof NetworkError || error instanceof TimeoutError) return 'Failed to make an HTTP request';
  if (error instanceof BadFunctionError)
    return `Underlying function returned incorrect result: ${error.message}`;
  if (error instanceof BadRequestError) return `Invalid annotation request: ${error.message}`;
  return 'Unknown error';
}

/** An annotation request this agent cannot carry out as given. */
export class BadRequestError extends CvatError {
  override readonly name: string = 'BadRequestError';
  readonly kind: string = 'bad_request';
}

function mappingOf(params: ArParams): SpecNameMapping | undefined {
  if (!('mapping' in params) || params.mapping === undefined || params.mapping === null) return undefined;
  const decoded = t.record(t.string, LabelMappingEntryRequest).decode(params.mapping);
  if (decoded._tag === 'Left') throw new BadRequestError('the label mapping is malformed');
  return decoded.right;
}

function thresholdOf(params: ArParams): number | undefined {
  const value = 'threshold' in params ? params.threshold : undefined;
  return typeof value === 'number' ? value : undefined;
}

/**
 * Serves a native function's queue until unsubscribed, `options.stop` emits, or (with `burst`)
 * the queue is empty. Emits what it does. Validation of the function against the server's record
 * happens first; an incompatible function is an error before anything is acquired.
 */
export function serveAgent(
  client: ClientLike,
  functionId: number,
  fn: DetectionFunction,
  options: ServeAgentOptions = {},
): Observable<AgentEvent> {
  return defer(() => {
    const ctx = client.context;
    const agentId = options.agentId ?? randomAgentId();
    const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    const leaseMs = options.leaseRenewalMs ?? DEFAULT_LEASE_MS;
    if (!(pollMs > 0) || !(leaseMs > 0))
      throw new UsageError('pollIntervalMs and leaseRenewalMs must be > 0');
    let stopped = false;
    let idle = false;
    // The stop signal is remembered: parts subscribed after it still see it.
    const stopSignal = new ReplaySubject<void>(1);
    const stopWatch = (options.stop ?? EMPTY).pipe(take(1)).subscribe(() => {
      stopped = true;
      stopSignal.next();
    });
    const stop$ = stopSignal.asObservable();
    const detectOptions: DetectOptions = {
      allowUnmatchedLabels: false,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.prefetchChunks === undefined ? {} : { prefetchChunks: options.prefetchChunks }),
      ...(options.decoder === undefined ? {} : { decoder: options.decoder }),
    };

    /** The first request of the first category that has one, or null. */
    const acquireAny = (): Observable<{ ar_id: string; ar_params: ArParams } | null> =>
      from(CATEGORIES).pipe(
        concatMap((category) => (stopped ? of(null) : acquireRequest(ctx, functionId, agentId, category))),
        // The first category that gives a request ends the round: later ones are not asked.
        filter((assignment): assignment is NonNullable<typeof assignment> => assignment !== null),
        take(1),
        defaultIfEmpty(null),
      );

    const run = (requestId: string, params: ArParams): Observable<AgentEvent> => {
      let latest = 0;
      let settled = false;
      const settle = <T>(request$: Observable<T>): Observable<T> =>
        request$.pipe(tap(() => (settled = true)));
      const options$ = defer(() => {
        const mapping = mappingOf(params);
        const confThreshold = thresholdOf(params);
        return of<DetectOptions>({
          ...detectOptions,
          ...(mapping ? { mapping } : {}),
          ...(confThreshold === undefined ? {} : { confThreshold }),
          convMaskToPoly: 'conv_mask_to_poly' in params && params.conv_mask_to_poly === true,
        });
      });
      const detection$: Observable<AgentEvent | Detections> = options$.pipe(
        switchMap((opts): Observable<AgentEvent | Detections> => {
          if (params.type === 'annotate_task' && 'task' in params) {
            return detectTask(client, params.task, fn, opts).pipe(
              map((event) => {
                if (event.type === 'result') return event.value;
                latest = event.total ? event.loaded / event.total : 0;
                return { type: 'progress', requestId, progress: latest };
              }),
            );
          }
          if (params.type === 'annotate_frame' && 'frame' in params)
            return detectFrame(client, params.task, params.frame, fn, opts);
          throw new BadRequestError(`unsupported type "${params.type}"`);
        }),
      );
      // The lease: one update at once (fetching the task may take a while), then one per period.
      const renewals$ = concat(
        updateRequest(ctx, functionId, requestId, agentId, 0),
        interval(leaseMs).pipe(concatMap(() => updateRequest(ctx, functionId, requestId, agentId, latest))),
      );
      const work$ = withSideStream(detection$, renewals$).pipe(
        mergeMap((item): Observable<AgentEvent> => {
          if ('type' in item) return of(item);
          const found: { shapes: LabeledShapeRequest[]; tags: LabeledImageRequest[] } = {
            shapes: [...item.shapes],
            tags: [...item.tags],
          };
          return settle(completeRequest(ctx, functionId, requestId, agentId, found)).pipe(
            map((): AgentEvent => ({
              type: 'completed',
              requestId,
              shapes: found.shapes.length,
              tags: found.tags.length,
            })),
          );
        }),
        catchError((error: unknown) => {
          const message = failureMessage(error);
          ctx.logger.warn(`cvat-rx agent: request ${requestId} failed: ${message}`);
          return settle(failRequest(ctx, functionId, requestId, agentId, message)).pipe(
            map((): AgentEvent => ({ type: 'failed', requestId, message })),
          );
        }),
        takeUntil(stop$),
      );
      const release$ = defer(() =>
        settled
          ? EMPTY
          : settle(failRequest(ctx, functionId, requestId, agentId, STOPPED_MESSAGE)).pipe(
              map((): AgentEvent => ({ type: 'failed', requestId, message: STOPPED_MESSAGE })),
            ),
      );
      return concat(of<AgentEvent>({ type: 'acquired', requestId, params }), work$, release$).pipe(
        finalize(() => {
          // Unsubscribed with the request in hand: hand it back without waiting for the answer.
          if (!settled)
            failRequest(ctx, functionId, requestId, agentId, STOPPED_MESSAGE).subscribe({
              error: () => undefined,
            });
        }),
      );
    };

    const cycle$ = defer(() => {
      idle = false;
      if (stopped) return EMPTY;
      return acquireAny().pipe(
        switchMap((assignment): Observable<AgentEvent> => {
          if (assignment) return run(assignment.ar_id, assignment.ar_params);
          idle = true;
          return of({ type: 'idle' });
        }),
      );
    });

    const jittered = (): number => pollMs * (1 - JITTER + Math.random() * 2 * JITTER);
    const loop$ = cycle$.pipe(
      repeat({
        delay: () => {
          if (stopped) return EMPTY;
          if (!idle) return of(0);
          if (options.burst) return EMPTY;
          return timer(jittered()).pipe(takeUntil(stop$));
        },
      }),
    );

    return retrieveNativeFunction(ctx, functionId).pipe(
      tap((remote) => checkCompatible(remote, fn)),
      switchMap(() => concat(of<AgentEvent>({ type: 'started', agentId, functionId }), loop$)),
      finalize(() => stopWatch.unsubscribe()),
    );
  });
}

/** The main stream's values; the side stream runs alongside (its errors count) until the main one ends. */
function withSideStream<T>(main$: Observable<T>, side$: Observable<unknown>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const side = side$.subscribe({ error: (error: unknown) => subscriber.error(error) });
    const inner = main$.pipe(finalize(() => side.unsubscribe())).subscribe(subscriber);
    return () => {
      side.unsubscribe();
      inner.unsubscribe();
    };
  });
}
