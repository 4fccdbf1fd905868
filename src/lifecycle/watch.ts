import { ReplaySubject, catchError, defer, finalize, share, throwError } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable } from 'rxjs';
import { ApiError } from '../errors';
import { classifyRequestStatus, isSameRequestStatus } from './request-status';
import type { RequestStatus } from './request-status';
import { pollUntilDone } from './waiter';
import type { WaiterOptions } from './waiter';

export type WatchRequestOptions = Omit<WaiterOptions<RequestStatus>, 'classify' | 'isSameStatus' | 'failure'>;

/**
 * Polls a server request until it ends: emits its RequestStatus on each change of state, progress
 * or message, completes after `finished`, errors with RequestFailedError (the server's message) on
 * `failed`. Timing and retries are {@link pollUntilDone}'s. Cold: each subscription polls anew;
 * pipe through {@link shareStatus} to share one loop.
 */
export function watchRequest(
  fetchStatus: () => Observable<RequestStatus>,
  options: WatchRequestOptions = {},
): Observable<RequestStatus> {
  return pollUntilDone(fetchStatus, {
    ...options,
    classify: classifyRequestStatus,
    isSameStatus: isSameRequestStatus,
    failure: (status) => ({ requestId: status.id, message: status.message }),
  });
}

/**
 * Shares one poll loop among all subscribers:
 * - a subscriber joining a running loop gets the latest status at once, then the rest;
 * - when the last subscriber leaves, polling stops; the next subscriber starts a new loop;
 * - after completion (a `finished` request stays finished) late subscribers get the final status
 *   replayed and completion, without a request;
 * - after an error the loop is reset, so a late subscriber polls again (a network error may have
 *   passed; a failed request fails again after one poll).
 */
export function shareStatus<T>(): MonoTypeOperatorFunction<T> {
  return share<T>({
    connector: () => new ReplaySubject<T>(1),
    resetOnError: true,
    resetOnComplete: false,
    resetOnRefCountZero: true,
  });
}

/**
 * One shared loop per key (an rq_id, a task id) for as long as it runs, so that every snapshot of
 * an entity and every `watch(rqId)` of one client share a single poll sequence, as cvat-core
 * de-duplicates listeners per rq_id. Belongs to one client instance; never module-global.
 * A loop leaves the registry when it ends or loses its last subscriber; a later `watch` of the
 * same key starts a new one.
 */
export class StatusLoopRegistry<T> {
  private readonly loops = new Map<string, Observable<T>>();

  watch(key: string, start: () => Observable<T>): Observable<T> {
    return defer(() => {
      const running = this.loops.get(key);
      if (running) return running;
      const loop: Observable<T> = defer(start).pipe(
        finalize(() => {
          if (this.loops.get(key) === loop) this.loops.delete(key);
        }),
        shareStatus(),
      );
      this.loops.set(key, loop);
      return loop;
    });
  }

  /** The number of loops currently registered (for tests and diagnostics). */
  get size(): number {
    return this.loops.size;
  }
}

function hasDetail(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'detail' in body;
}

/**
 * True when the error says the endpoint itself does not exist on this server: 405, or a 404
 * without DRF's JSON `{ "detail": … }` body (Django answers unknown routes with an HTML page).
 * A 404 with `detail` is an unknown or expired rq_id, which must not trigger a fallback.
 */
export function isEndpointMissing(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.status === 405) return true;
  return error.status === 404 && !hasDetail(error.body);
}

export interface LegacyFallbackOptions {
  /** Which errors of the primary fetcher mean "this server predates it". Default {@link isEndpointMissing}. */
  readonly isUnsupported?: (error: unknown) => boolean;
}

/**
 * A status fetcher that asks the Requests API first and, once it answers that the endpoint does
 * not exist, asks the legacy endpoint instead, for this and every later call of the returned
 * fetcher (the decision is remembered so each poll costs one request). Any other error of the
 * primary fetcher passes through unchanged.
 */
export function withLegacyFallback(
  primary: () => Observable<RequestStatus>,
  legacy: () => Observable<RequestStatus>,
  options: LegacyFallbackOptions = {},
): () => Observable<RequestStatus> {
  const isUnsupported = options.isUnsupported ?? isEndpointMissing;
  let useLegacy = false;
  return () =>
    defer(() =>
      useLegacy
        ? legacy()
        : primary().pipe(
            catchError((error: unknown) => {
              if (!isUnsupported(error)) return throwError(() => error);
              useLegacy = true;
              return legacy();
            }),
          ),
    );
}
