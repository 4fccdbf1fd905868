import { type Observable, defer, map, of, switchMap, throwError } from 'rxjs';
import { UsageError } from '../errors';
import { fromLegacyStatus, fromRequestsApi, watchRequest, withLegacyFallback } from '../lifecycle';
import type { RequestStatus, WatchRequestOptions } from '../lifecycle';
import { Request, RqStatus } from '../models';
import type { ClientContext } from './context';
import { requests, tasks } from './descriptors';
import { fetchPage, itemUrl, requestDecoded, resourceRequest, retrieveData } from './resource';

/** One look at a server request through the Requests API (`GET /api/requests/{rq_id}`). */
export function fetchRequestStatus(ctx: ClientContext, rqId: string): Observable<RequestStatus> {
  return requestDecoded(
    ctx,
    resourceRequest(requests, 'GET', itemUrl(requests, rqId), 'retrieve'),
    Request,
  ).pipe(map(fromRequestsApi));
}

/**
 * The key of a request's shared poll loop: the rq_id and the options of this watch (the client's
 * polling defaults are the same for all), when those are plain values; `undefined` (a loop of its own) when they hold functions or a scheduler, which cannot
 * be compared.
 */
function loopKey(rqId: string, options: WatchRequestOptions): string | undefined {
  const entries = Object.entries(options).filter(([, value]) => value !== undefined);
  if (entries.some(([, value]) => typeof value === 'object' || typeof value === 'function')) return undefined;
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `request:${rqId}:${JSON.stringify(entries)}`;
}

/**
 * Polls one rq_id until it ends, with the client's polling defaults under `options`. Every watch
 * of one rq_id on one client (`client.requests.watch`, the waits of imports, exports and uploads)
 * shares one poll loop, as `task.status$` does, unless its options differ.
 */
export function watchRequestId(
  ctx: ClientContext,
  rqId: string,
  options: WatchRequestOptions = {},
): Observable<RequestStatus> {
  return defer(() => {
    const settings: WatchRequestOptions = { description: `request ${rqId}`, ...ctx.polling, ...options };
    const start = () => watchRequest(() => fetchRequestStatus(ctx, rqId), settings);
    const key = loopKey(rqId, options);
    return key === undefined ? start() : ctx.statusLoops.watch(key, start);
  });
}

function newest(items: readonly Request[]): Request | undefined {
  return items.reduce<Request | undefined>(
    (best, item) => (best === undefined || item.created_date > best.created_date ? item : best),
    undefined,
  );
}

/**
 * The latest data-processing request of a task, as CVAT's deprecation note for the legacy
 * endpoint advises: `GET /api/requests?action=create&target=task&task_id=`. When the server no
 * longer remembers one (requests expire), the task is asked: with data it counts as finished,
 * without data there is nothing to wait for, which is a UsageError rather than an endless poll.
 */
function fetchTaskRequest(ctx: ClientContext, taskId: number): Observable<RequestStatus> {
  const query = { action: 'create', target: 'task', task_id: taskId, page: 1, page_size: 100 };
  return fetchPage(ctx, { ...requests, withoutOrganization: true }, query).pipe(
    switchMap((page) => {
      const latest = newest(page.results);
      if (latest) return of(fromRequestsApi(latest));
      return retrieveData(ctx, tasks, taskId).pipe(
        switchMap((task) =>
          (task.size ?? 0) > 0
            ? of<RequestStatus>({ id: `task:${taskId}`, status: 'finished', progress: 1, message: '' })
            : throwError(
                () => new UsageError(`task ${taskId} has no data-processing request: upload data first`),
              ),
        ),
      );
    }),
  );
}

/** The legacy `GET /api/tasks/{id}/status` of servers that predate the Requests API. */
function fetchLegacyTaskStatus(ctx: ClientContext, taskId: number): Observable<RequestStatus> {
  return requestDecoded(
    ctx,
    resourceRequest(tasks, 'GET', `${itemUrl(tasks, taskId)}/status`, 'retrieve_status'),
    RqStatus,
  ).pipe(map((raw) => fromLegacyStatus(raw, `task:${taskId}`)));
}

/**
 * `task.status$`: the task's data processing, polled until it ends. One poll loop per task and
 * client, however many snapshots and subscribers watch it.
 */
export function taskStatus(ctx: ClientContext, taskId: number): Observable<RequestStatus> {
  return defer(() =>
    ctx.statusLoops.watch(`task:${taskId}`, () =>
      watchRequest(
        withLegacyFallback(
          () => fetchTaskRequest(ctx, taskId),
          () => fetchLegacyTaskStatus(ctx, taskId),
        ),
        { description: `task ${taskId} data processing`, ...ctx.polling },
      ),
    ),
  );
}
