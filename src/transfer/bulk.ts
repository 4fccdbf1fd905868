import { EMPTY, defer, from, mergeMap, retry, switchMap, throwError, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { ApiError, NetworkError, TimeoutError, UsageError } from '../errors';
import { MultipartBody, WHOLE_READ_LIMIT } from '../transport/multipart';
import type { MultipartEntry, WholeFileReader } from '../transport/multipart';
import type { ApiResponse, QueryParams, TransportEvent } from '../transport/types';
import { checkResponse } from './http';
import type { TransferTransport } from './http';
import { TUS_MAX_RETRIES, resumeDelay } from './tus';
import type { TransferEvent } from './progress';
import type { UploadSource } from './source';

export type FormFieldValue = string | number | boolean;

export interface BulkUploadOptions {
  readonly url: string;
  /** Seekable sources (with `blob()`), sent as `client_files[0]`, `client_files[1]`, … */
  readonly sources: readonly UploadSource[];
  /** Plain form fields sent before the files (CVAT's SDK sends `image_quality`). */
  readonly fields?: Readonly<Record<string, FormFieldValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: QueryParams;
  /** Times the group is sent again after a network error, a timeout, 408, 429 or 5xx (default 3, as TUS). */
  readonly maxRetries?: number;
  /** The first wait before sending again, doubled per failure in a row (default 1000 ms, as TUS). */
  readonly retryDelayMs?: number;
}

/**
 * Whether a failed group may be sent again. A group is safe to resend: the server stores each
 * file under its name, so a second copy overwrites the first, and a request cut before its end
 * is dropped whole. What a later attempt may fix: the network, timeouts, 408, 429 and 5xx.
 */
export function isResendable(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof TimeoutError) return true;
  if (error instanceof ApiError) return error.status === 408 || error.status === 429 || error.status >= 500;
  return false;
}

/**
 * Sends several small files in one `Upload-Multiple` multipart request. Progress counts file
 * bytes (the multipart overhead is spread over them), monotonic, ending at the group's size.
 * A failure {@link isResendable} sends the whole group again, with TUS's backoff (see
 * `resumeDelay`: doubling from `retryDelayMs`, or the server's Retry-After capped at `maxDelayMs`).
 */
export function bulkUpload(
  transport: TransferTransport,
  options: BulkUploadOptions,
): Observable<TransferEvent<ApiResponse>> {
  return defer(() => {
    const { sources } = options;
    if (sources.length === 0) throw new UsageError('A bulk request needs at least one file');
    const maxRetries = options.maxRetries ?? TUS_MAX_RETRIES;
    const retryDelayMs = options.retryDelayMs ?? 1000;
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      throw new UsageError(`Invalid retry budget ${maxRetries}`);
    const maxRetryAfterMs = transport.configuration.retry?.maxDelayMs ?? 30_000;
    const size = sources.reduce((sum, source) => sum + source.size, 0);
    let reported = -1;
    const progress = (loaded: number): TransferEvent<ApiResponse>[] => {
      if (loaded <= reported) return [];
      reported = loaded;
      return [{ type: 'progress', phase: 'upload', loaded, total: size }];
    };

    const attempt$ = defer(() => from(Promise.all(sources.map(contentOf)))).pipe(
      switchMap((contents) => {
        const entries: MultipartEntry[] = Object.entries(options.fields ?? {}).map(([name, value]) => ({
          name,
          value: String(value),
        }));
        contents.forEach((content, i) => {
          const { name: filename, type } = sources[i]!;
          const file = { name: `client_files[${i}]`, filename, content };
          entries.push(content instanceof Blob || type === undefined ? file : { ...file, type });
        });
        const form = new MultipartBody(entries);
        return transport.events({
          method: 'POST',
          url: options.url,
          ...(options.query ? { query: options.query } : {}),
          headers: { ...options.headers, 'Upload-Multiple': 'true' },
          body: form,
          operationId: 'upload_multiple',
        });
      }),
      mergeMap((event: TransportEvent): Observable<TransferEvent<ApiResponse>> => {
        if (event.type === 'upload_progress') {
          const sent = event.total ? Math.floor((event.loaded / event.total) * size) : 0;
          return from(progress(Math.min(size, sent)));
        }
        if (event.type !== 'response') return EMPTY;
        const response = checkResponse(event.response, 'upload_multiple');
        return from([...progress(size), { type: 'result' as const, value: response }]);
      }),
    );
    return attempt$.pipe(
      retry({
        count: maxRetries,
        delay: (error: unknown, failures: number) =>
          isResendable(error)
            ? timer(
                resumeDelay(
                  failures,
                  retryDelayMs,
                  error instanceof ApiError ? error.retryAfterMs : undefined,
                  maxRetryAfterMs,
                ),
              )
            : throwError(() => error),
      }),
    );
  });
}

/** A small file read whole when its turn comes, if the source can; its Blob otherwise. */
function contentOf(source: UploadSource): Promise<Blob | WholeFileReader> {
  const { readInto } = source;
  if (readInto !== undefined && source.size <= WHOLE_READ_LIMIT)
    return Promise.resolve({ size: source.size, readInto: (target) => readInto.call(source, target) });
  if (source.blob === undefined) {
    return Promise.reject(
      new UsageError(`"${source.name}" cannot go in a multipart request (a one-shot stream)`),
    );
  }
  return source.blob();
}
