import { concat, concatMap, defer, map, of, throwError, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { ApiError } from '../errors';
import type { RequestStatus } from '../lifecycle';
import { downloadToFile } from '../node/download-to-file';
import { uploadFiles } from '../node/upload';
import { onConfiguredOrigin } from '../transfer/http';
import type { UploadSessionOptions } from '../transfer/upload-session';
import type { JsonValue, QueryParams } from '../transport/types';
import type { CliProgressEvent, PollOptions, TransferEvent } from './backend';

/** Progress passes through; the result of `source` starts `next`, whose events follow. */
export function then<A, B>(
  source: Observable<TransferEvent<A>>,
  next: (value: A) => Observable<TransferEvent<B>>,
): Observable<TransferEvent<B>> {
  return source.pipe(
    concatMap((event): Observable<TransferEvent<B>> =>
      event.type === 'result' ? next(event.value) : of(event),
    ),
  );
}

export function result<T>(value: T): Observable<TransferEvent<T>> {
  return of({ type: 'result', value });
}

/**
 * Waits for a server request (rq_id): `processing` progress as the server reports it (a fraction,
 * never going back), then its final status. `--completion_verification_period` fixes the delay.
 */
export function follow(
  client: CvatClient,
  rqId: string,
  poll: PollOptions,
): Observable<TransferEvent<RequestStatus>> {
  return defer(() => {
    let last: RequestStatus | undefined;
    let loaded = 0;
    const options =
      poll.pollIntervalMs === undefined
        ? {}
        : { minDelayMs: poll.pollIntervalMs, maxDelayMs: poll.pollIntervalMs };
    const toProgress = (status: RequestStatus): CliProgressEvent => {
      last = status;
      loaded = Math.max(loaded, status.status === 'finished' ? 1 : (status.progress ?? 0));
      return {
        type: 'progress',
        phase: 'processing',
        loaded,
        total: 1,
        ...(status.message ? { message: status.message } : {}),
      };
    };
    return concat(
      client.requests.watch(rqId, options).pipe(map(toProgress)),
      defer(() =>
        last === undefined
          ? throwError(() => new Error(`the server request ${rqId} ended without a status`))
          : result(last),
      ),
    );
  });
}

/** The rq_id of an upload's Upload-Finish, or an ApiError naming the step when there is none. */
function rqIdOf(rqId: string | undefined, url: string): string {
  if (rqId !== undefined) return rqId;
  throw new ApiError({
    status: 202,
    method: 'POST',
    url,
    body: { detail: 'the server answered the upload without an rq_id' },
    operationId: 'upload_finish',
  });
}

export interface UploadAndWaitOptions extends PollOptions {
  readonly url: string;
  readonly files: readonly string[];
  readonly query?: QueryParams;
  readonly finishBody?: { readonly [key: string]: JsonValue | undefined };
  readonly bulkFields?: UploadSessionOptions['bulkFields'];
  readonly mode?: 'auto' | 'tus';
  readonly filenameParam?: string;
}

/** CVAT's upload protocol on one endpoint, then the server request it started, followed to its end. */
export function uploadAndWait(
  client: CvatClient,
  options: UploadAndWaitOptions,
): Observable<TransferEvent<RequestStatus>> {
  const { files, pollIntervalMs, ...session } = options;
  return then(uploadFiles(client.transport, files, session), (uploaded) =>
    defer(() => follow(client, rqIdOf(uploaded.rqId, options.url), { pollIntervalMs })),
  );
}

/** A POST that starts a server request (`202 { rq_id }`), followed to its end. */
export function startAndWait(
  client: CvatClient,
  request: {
    readonly url: string;
    readonly query?: QueryParams;
    readonly body?: JsonValue;
    readonly operationId: string;
  },
  poll: PollOptions,
): Observable<TransferEvent<RequestStatus>> {
  return client.transport
    .request({
      method: 'POST',
      url: request.url,
      query: request.query,
      body: request.body,
      operationId: request.operationId,
    })
    .pipe(
      concatMap((response) => {
        const body = response.body;
        const rqId =
          typeof body === 'object' && body !== null && 'rq_id' in body && typeof body.rq_id === 'string'
            ? body.rq_id
            : undefined;
        if (rqId === undefined) {
          return throwError(
            () =>
              new ApiError({
                status: response.status,
                method: response.method,
                url: response.url,
                body: { detail: `expected { rq_id } in the answer of ${request.operationId}` },
                headers: response.headers,
                operationId: request.operationId,
              }),
          );
        }
        return follow(client, rqId, poll);
      }),
    );
}

/** Streams a finished export's `result_url` to `path` (atomically; nothing left behind on failure). */
export function saveResult(
  client: CvatClient,
  status: RequestStatus,
  path: string,
): Observable<TransferEvent<{ path: string }>> {
  return defer(() => {
    if (!status.resultUrl) {
      return throwError(
        () =>
          new ApiError({
            status: 200,
            method: 'GET',
            url: `/api/requests/${encodeURIComponent(status.id)}`,
            body: { detail: 'the finished export has no result_url' },
            operationId: 'requests_retrieve',
          }),
      );
    }
    const transport = client.transport;
    const url = onConfiguredOrigin(status.resultUrl, transport.configuration.host);
    return downloadToFile(
      transport,
      { method: 'GET', url, operationId: 'download_result' },
      { path, overwrite: true },
    ).pipe(
      map((event): TransferEvent<{ path: string }> =>
        event.type === 'result' ? { type: 'result', value: { path: event.value.path } } : event,
      ),
    );
  });
}
