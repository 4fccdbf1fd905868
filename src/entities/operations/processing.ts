import { concat, defer, map, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { ApiError, RequestFailedError } from '../../errors';
import { isRight } from 'fp-ts/lib/Either.js';
import type { RequestStatus } from '../../lifecycle';
import { RqId } from '../../models';
import type { ProgressEvent, TransferEvent } from '../../transfer/progress';
import type { ApiResponse } from '../../transport/types';
import type { ClientContext } from '../context';
import { watchRequestId } from '../status';

/**
 * Follows a server request (rq_id) as processing progress: one event per change of its status
 * (`loaded` is the server's fraction 0..1, never going back, `total: 1`, the server's message),
 * then the final status as the result. `failed` is a RequestFailedError.
 */
export function followRequest(ctx: ClientContext, rqId: string): Observable<TransferEvent<RequestStatus>> {
  return defer(() => {
    let last: RequestStatus | undefined;
    let loaded = 0;
    const toProgress = (status: RequestStatus): ProgressEvent => {
      last = status;
      const fraction = status.status === 'finished' ? 1 : (status.progress ?? 0);
      loaded = Math.max(loaded, fraction);
      return {
        type: 'progress',
        phase: 'processing',
        loaded,
        total: 1,
        ...(status.message ? { message: status.message } : {}),
      };
    };
    return concat(
      watchRequestId(ctx, rqId).pipe(map(toProgress)),
      defer(() =>
        last === undefined
          ? throwError(
              () =>
                new RequestFailedError({
                  requestId: rqId,
                  serverMessage: 'the request ended without a status',
                }),
            )
          : of<TransferEvent<RequestStatus>>({ type: 'result', value: last }),
      ),
    );
  });
}

/** The rq_id of a 202 answer; a body without one is an ApiError naming the step. */
export function rqIdOf(response: ApiResponse, operationId: string): string {
  const decoded = RqId.decode(response.body);
  if (isRight(decoded)) return decoded.right.rq_id;
  throw new ApiError({
    status: response.status,
    method: response.method,
    url: response.url,
    body: { detail: `Expected { rq_id } in the answer of ${operationId}` },
    headers: response.headers,
    operationId,
  });
}
