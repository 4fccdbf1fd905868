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

/** Polls one rq_id until it ends, with the client's polling defaults under `options`. */
export function watchRequestId(
  ctx: ClientContext,
  rqId: string,
  options: WatchRequestOptions = {},
): Observable<RequestStatus> {
  return watchRequest(() => fetchRequestStatus(ctx, rqId), {
    description: `request ${rqId}`,
    ...ctx.polling,
    ...options,
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
