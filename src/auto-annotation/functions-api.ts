import * as t from 'io-ts';
import { defer, map } from 'rxjs';
import { toJson } from '../entities/json';
import type { Observable } from 'rxjs';
import type { ClientContext } from '../entities/context';
import { requestDecoded, requestVoid } from '../entities/resource';
import { Integer } from '../models/scalars';
import { BadFunctionError } from './function';
import type { PatchedLabeledDataRequest } from '../models';
import type { DetectionFunctionSpec } from './spec';

/**
 * CVAT's native functions ("agent functions", CVAT Online and Enterprise). These endpoints are
 * not in the 2.73.1 OpenAPI schema; the protocol below is the one cvat-cli's agent speaks
 * (cvat-cli/src/cvat_cli/_internal/agent.py and commands_functions.py):
 *
 * - `POST /api/functions` `{ provider: "native", name, kind: "detector", labels_v2: [{ name, type? }] }`
 *   → 201 with the function (`id`, `name`, `provider`, `kind`, `labels_v2`, …).
 * - `GET /api/functions/{id}` → the function; `DELETE /api/functions/{id}` → 204 (404 when absent).
 * - A function's queue is `function:{id}`. An agent names itself with a random `agent_id` and:
 *   - `POST /api/functions/queues/function:{id}/requests/acquire` `{ agent_id, request_category }`
 *     (`interactive` first, then `batch`) → `{ ar_assignment: null | { ar_id, ar_params } }`, where
 *     `ar_params` is `{ type: "annotate_task", task, mapping, threshold, conv_mask_to_poly }` or
 *     `{ type: "annotate_frame", task, frame, mapping, threshold, conv_mask_to_poly }`.
 *   - `POST …/requests/{ar_id}/update` `{ agent_id, progress }` (0..1): reports progress and renews
 *     the agent's lease on the request (cvat-cli sends one at least every 30 s while working; a
 *     request whose lease lapses goes back to the queue).
 *   - `POST …/requests/{ar_id}/complete` `{ agent_id, annotations: { shapes, tags } }`: the result;
 *     the server applies it to the task.
 *   - `POST …/requests/{ar_id}/fail` `{ agent_id, exc_info }`: the request failed; `exc_info` is a
 *     short message without details of the agent's machine.
 * - Requests are made by users (CVAT's UI "Automatic annotation" with the function): through
 *   `POST /api/lambda/requests` with `function: "pk:{id}"` for a whole task, and
 *   `POST /api/lambda/functions/pk:{id}` for one frame.
 */

/** A label of a native function, as the server keeps it. */
const RemoteLabel = t.intersection([
  t.type({ name: t.string }),
  t.partial({ type: t.string, attributes: t.array(t.unknown), sublabels: t.array(t.unknown) }),
]);

export const NativeFunction = t.intersection([
  t.type({ id: Integer, name: t.string, provider: t.string, kind: t.string }),
  t.partial({ labels_v2: t.array(RemoteLabel), description: t.string }),
]);
export type NativeFunction = t.TypeOf<typeof NativeFunction>;

const Mapping = t.record(t.string, t.unknown);

const ArParamsCodec = t.union([
  t.intersection([
    t.type({ type: t.literal('annotate_task'), task: Integer }),
    t.partial({
      mapping: t.union([Mapping, t.null]),
      threshold: t.union([t.number, t.null]),
      conv_mask_to_poly: t.boolean,
    }),
  ]),
  t.intersection([
    t.type({ type: t.literal('annotate_frame'), task: Integer, frame: Integer }),
    t.partial({
      mapping: t.union([Mapping, t.null]),
      threshold: t.union([t.number, t.null]),
      conv_mask_to_poly: t.boolean,
    }),
  ]),
  // A type this client does not know: failed as a bad request rather than left acquired.
  t.type({ type: t.string }),
]);
export type ArParams = t.TypeOf<typeof ArParamsCodec>;

export const Acquired = t.type({
  ar_assignment: t.union([t.null, t.type({ ar_id: t.string, ar_params: ArParamsCodec })]),
});
export type Acquired = t.TypeOf<typeof Acquired>;

export type RequestCategory = 'interactive' | 'batch';

export const queueUrl = (functionId: number): string => `/api/functions/queues/function:${functionId}`;

/** The native function record to create for a detection function's spec (as cvat-cli does: no skeletons). */
export function nativeFunctionBody(name: string, spec: DetectionFunctionSpec): Record<string, unknown> {
  return {
    provider: 'native',
    name,
    kind: 'detector',
    labels_v2: spec.labels.map((label) => {
      if ((label.sublabels ?? []).length > 0)
        throw new BadFunctionError(
          `Function label "${label.name}" has sublabels; native functions do not support them yet`,
        );
      return {
        name: label.name,
        // Only when set, to stay compatible with servers that predate label types.
        ...(label.type !== undefined && label.type !== 'any' ? { type: label.type } : {}),
      };
    }),
  };
}

export function createNativeFunction(
  ctx: ClientContext,
  name: string,
  spec: DetectionFunctionSpec,
): Observable<NativeFunction> {
  return defer(() =>
    requestDecoded(
      ctx,
      {
        method: 'POST',
        url: '/api/functions',
        body: toJson(nativeFunctionBody(name, spec)),
        operationId: 'functions_create',
      },
      NativeFunction,
    ),
  );
}

export function retrieveNativeFunction(ctx: ClientContext, id: number): Observable<NativeFunction> {
  return requestDecoded(
    ctx,
    { method: 'GET', url: `/api/functions/${id}`, operationId: 'functions_retrieve' },
    NativeFunction,
  );
}

export function deleteNativeFunction(ctx: ClientContext, id: number): Observable<void> {
  return requestVoid(ctx, {
    method: 'DELETE',
    url: `/api/functions/${id}`,
    operationId: 'functions_destroy',
  });
}

export function acquireRequest(
  ctx: ClientContext,
  functionId: number,
  agentId: string,
  category: RequestCategory,
): Observable<Acquired['ar_assignment']> {
  return requestDecoded(
    ctx,
    {
      method: 'POST',
      url: `${queueUrl(functionId)}/requests/acquire`,
      body: { agent_id: agentId, request_category: category },
      operationId: 'functions_queues_acquire',
    },
    Acquired,
  ).pipe(map((answer) => answer.ar_assignment));
}

type RequestAction = 'update' | 'complete' | 'fail';

function requestAction(
  ctx: ClientContext,
  functionId: number,
  requestId: string,
  action: RequestAction,
  body: Record<string, unknown>,
): Observable<void> {
  return defer(() =>
    requestVoid(ctx, {
      method: 'POST',
      url: `${queueUrl(functionId)}/requests/${encodeURIComponent(requestId)}/${action}`,
      body: toJson(body),
      operationId: `functions_queues_${action}`,
    }),
  );
}

export const updateRequest = (
  ctx: ClientContext,
  functionId: number,
  requestId: string,
  agentId: string,
  progress: number,
): Observable<void> => requestAction(ctx, functionId, requestId, 'update', { agent_id: agentId, progress });

export const completeRequest = (
  ctx: ClientContext,
  functionId: number,
  requestId: string,
  agentId: string,
  annotations: PatchedLabeledDataRequest,
): Observable<void> =>
  requestAction(ctx, functionId, requestId, 'complete', { agent_id: agentId, annotations });

export const failRequest = (
  ctx: ClientContext,
  functionId: number,
  requestId: string,
  agentId: string,
  message: string,
): Observable<void> =>
  requestAction(ctx, functionId, requestId, 'fail', { agent_id: agentId, exc_info: message });
