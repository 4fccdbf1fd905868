import type { Observable } from 'rxjs';
import type { ClientContext } from '../entities/context';
import { requests } from '../entities/descriptors';
import type { RequestListQuery } from '../entities/query';
import { itemUrl, listData, requestVoid, resourceRequest, retrieveData } from '../entities/resource';
import { watchRequestId } from '../entities/status';
import type { RequestStatus, WatchRequestOptions } from '../lifecycle';
import type { Request } from '../models';
import type { Listing, Retrieving } from './repository';

/** Server-side background requests (rq_id): imports, exports, backups, data processing. */
export interface RequestsRepository extends Retrieving<Request, string>, Listing<Request, RequestListQuery> {
  /**
   * Polls a request until it ends (a waiter): first check at once, then backoff with jitter;
   * emits each change of status, progress or message; completes after `finished`; errors with
   * `RequestFailedError` on `failed` and `TimeoutError` past `maxWaitMs`. Cold: each subscription polls.
   */
  watch(rqId: string, options?: WatchRequestOptions): Observable<RequestStatus>;
  /** Cancels a request (`POST /api/requests/{rq_id}/cancel`; CVAT accepts it while queued). */
  cancel(rqId: string): Observable<void>;
}

export function makeRequestsRepository(ctx: ClientContext): RequestsRepository {
  return {
    retrieve: (rqId) => retrieveData(ctx, requests, rqId),
    list: (query = {}) => listData(ctx, requests, query),
    watch: (rqId, options) => watchRequestId(ctx, rqId, options),
    cancel: (rqId) =>
      requestVoid(
        ctx,
        resourceRequest(requests, 'POST', `${itemUrl(requests, rqId)}/cancel`, 'create_cancel'),
      ),
  };
}
