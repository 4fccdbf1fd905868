import {
  EMPTY,
  catchError,
  concat,
  defer,
  expand,
  filter,
  from,
  map,
  of,
  switchMap,
  throwError,
  timer,
} from 'rxjs';
import type { Observable } from 'rxjs';
import { ApiError, UsageError } from '../errors';
import type { ApiResponse, QueryParams, TransportEvent } from '../transport/types';
import {
  checkResponse,
  header,
  integerHeader,
  isResumable,
  isSuccess,
  onConfiguredOrigin,
  unexpectedResponse,
} from './http';
import type { TransferTransport } from './http';
import type { ProgressEvent, TransferEvent } from './progress';
import { decodeEncodedWords } from './encoded-words';
import { openRange } from './source';
import type { UploadSource } from './source';

/** CVAT's SDK sends 10 MiB chunks: the first chunk, and the size after a failure. */
export const TUS_CHUNK_SIZE = 10 * 2 ** 20;
/** CVAT's web client sends 100 MiB chunks: the size chunks grow to by default. */
export const TUS_MAX_CHUNK_SIZE = 100 * 2 ** 20;
/** Failed steps allowed per file in all (CVAT's SDK: 3). */
export const TUS_MAX_RETRIES = 3;

export interface TusUploadOptions {
  /** The create URL (`/api/tasks/1/data/`); a trailing slash is added, as the server joins ids onto it. */
  readonly url: string;
  readonly source: UploadSource;
  /** Bytes of the first PATCH, and of the next one after a failure (default 10 MiB). */
  readonly chunkSize?: number;
  /**
   * Each accepted chunk doubles the next, up to this size: fewer round trips on big files, small
   * chunks after a failure. Default: 100 MiB (CVAT's web client's chunk) when `chunkSize` is not
   * given, else `chunkSize` itself (fixed chunks, as CVAT's SDK sends).
   */
  readonly maxChunkSize?: number;
  /** Failed chunks resumed per file, counted over the whole file (default 3). */
  readonly maxRetries?: number;
  /**
   * The delay before a resume, doubled after each failure in a row up to 30 s (default 1000 ms);
   * a chunk the server accepts starts the series again.
   */
  readonly retryDelayMs?: number;
  /** Extra headers on every TUS request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Query parameters of the create request. */
  readonly query?: QueryParams;
  /** Extra `Upload-Metadata` entries besides `filename` (and `filetype` when known). */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * The `Origin` header of the create request, from which CVAT builds `Location`. Default: the
   * configured host's origin outside browsers (a browser sends its own and forbids setting it).
   */
  readonly origin?: string | false;
  /** Continues an upload another process began, and records this one's progress (see resume.ts). */
  readonly resume?: TusResume;
}

/** How a TUS upload takes part in a resumable session. */
export interface TusResume {
  /** An upload begun earlier: its URL and the name the server gave it. Asked for its offset (`HEAD`). */
  readonly previous?: { readonly location: string; readonly filename: string };
  /** Called once the upload exists, before its first byte is sent; the upload waits for it. */
  created(result: TusResult): Promise<void>;
  /** Called after each chunk the server accepted (not awaited). */
  accepted(offset: number): void;
}

export interface TusResult {
  /** The upload's URL on the configured origin. */
  readonly location: string;
  /** The name the server stored the file under (`Upload-Filename`; backups rename files). */
  readonly filename: string;
}

/**
 * What the upload loop passes on: bytes sent inside a chunk (`progress`), a chunk the server took
 * (`accepted`: progress up to its offset, and where the next chunk starts), or a resync after a
 * failure (`offset`: where to go on, no progress: the server may have kept less than was sent).
 */
type Step =
  | { readonly kind: 'progress'; readonly loaded: number }
  | { readonly kind: 'accepted'; readonly offset: number }
  | { readonly kind: 'offset'; readonly offset: number };

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The wait before resuming after the `streak`-th failure in a row: `retryDelayMs` doubled per
 * failure up to 30 s, or the server's `Retry-After` capped at the transport's `maxDelayMs` (a
 * hostile `Retry-After: 999999` must not stall an upload for days). Bulk groups wait the same.
 */
export function resumeDelay(
  streak: number,
  retryDelayMs: number,
  retryAfterMs: number | undefined,
  maxRetryAfterMs: number,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxRetryAfterMs);
  return Math.min(MAX_RETRY_DELAY_MS, retryDelayMs * 2 ** Math.max(0, streak - 1));
}

/**
 * Uploads one file with CVAT's TUS flavour: `POST` (Upload-Length, Upload-Metadata) → 201 with
 * `Location`, then `PATCH` chunks from offset 0. A chunk that fails with a network error, a
 * timeout, 409, 423, 429 or 5xx is resumed from the server's offset (from the error's
 * `Upload-Offset` or a `HEAD`), within a retry budget counted over the whole file. Progress
 * never goes backwards, even when the server kept less than was sent.
 */
export function tusUpload(
  transport: TransferTransport,
  options: TusUploadOptions,
): Observable<TransferEvent<TusResult>> {
  return defer(() => {
    const { source } = options;
    const chunkSize = options.chunkSize ?? TUS_CHUNK_SIZE;
    const maxChunkSize =
      options.maxChunkSize ?? (options.chunkSize === undefined ? TUS_MAX_CHUNK_SIZE : chunkSize);
    const maxRetries = options.maxRetries ?? TUS_MAX_RETRIES;
    const retryDelayMs = options.retryDelayMs ?? 1000;
    if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0)
      throw new UsageError(`Invalid TUS chunk size ${chunkSize}`);
    if (!Number.isSafeInteger(maxChunkSize) || maxChunkSize < chunkSize)
      throw new UsageError(
        `Invalid TUS maximum chunk size ${maxChunkSize} (the first chunk is ${chunkSize})`,
      );
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      throw new UsageError(`Invalid retry budget ${maxRetries}`);

    const host = transport.configuration.host;
    const maxRetryAfterMs = transport.configuration.retry?.maxDelayMs ?? MAX_RETRY_DELAY_MS;
    const createUrl = options.url.endsWith('/') ? options.url : `${options.url}/`;
    const size = source.size;
    const common = { ...options.headers, 'Tus-Resumable': '1.0.0' };
    let reported = -1;
    let failures = 0;
    // Failures since the last chunk the server accepted: the backoff grows with these only, so
    // failures spread over a long upload do not each wait longer than the last.
    let streak = 0;
    // The next chunk's size: doubled by each accepted chunk, back to the first size after a failure.
    let nextChunk = chunkSize;

    // One event per 64 KiB sent: plain map/filter here, no Observable per event.
    const advance = (loaded: number): ProgressEvent | undefined => {
      if (loaded <= reported) return undefined;
      reported = loaded;
      return { type: 'progress', phase: 'upload', loaded, total: size };
    };

    const create$ = transport
      .request(
        {
          method: 'POST',
          url: createUrl,
          ...(options.query ? { query: options.query } : {}),
          headers: {
            ...common,
            ...originHeader(options.origin, host),
            'Upload-Length': String(size),
            'Upload-Metadata': encodeMetadata({
              filename: source.name,
              ...(source.type ? { filetype: source.type } : {}),
              ...options.metadata,
            }),
          },
          operationId: 'tus_create',
        },
        { checkStatus: false },
      )
      .pipe(
        map((response): TusResult => {
          checkResponse(response, 'tus_create');
          const location = header(response.headers, 'location');
          if (!location) throw protocolError(response, 'the TUS create response has no Location header');
          return {
            location: onConfiguredOrigin(location, host, createUrl),
            filename: storedName(header(response.headers, 'upload-filename')) ?? source.name,
          };
        }),
      );

    const patch$ = (location: string, offset: number): Observable<Step> => {
      const end = Math.min(size, offset + nextChunk);
      return openRange(source, offset, end).pipe(
        switchMap((body) =>
          transport.events({
            method: 'PATCH',
            url: location,
            headers: {
              ...common,
              'Content-Type': 'application/offset+octet-stream',
              'Upload-Offset': String(offset),
            },
            body,
            bodySize: end - offset,
            // Resuming is ours to do (from the server's offset); a blind repeat would get a 409.
            retry: { maxAttempts: 1 },
            operationId: 'tus_patch',
          }),
        ),
        map((event: TransportEvent): Step | undefined => {
          if (event.type === 'upload_progress') {
            return { kind: 'progress', loaded: offset + Math.min(event.loaded, end - offset) };
          }
          if (event.type !== 'response') return undefined;
          const response = event.response;
          if (!isSuccess(response.status)) throw unexpectedResponse(response, 'tus_patch');
          const next = integerHeader(response.headers, 'upload-offset');
          if (next === undefined || next < end || next > size) {
            throw protocolError(
              response,
              `the server reported Upload-Offset ${String(next)} after a chunk ending at ${end}`,
            );
          }
          streak = 0;
          nextChunk = Math.min(maxChunkSize, nextChunk * 2);
          options.resume?.accepted(next);
          return { kind: 'accepted', offset: next };
        }),
        filter((step): step is Step => step !== undefined),
      );
    };

    const head$ = (location: string): Observable<number> =>
      transport.request({ method: 'HEAD', url: location, headers: common, operationId: 'tus_head' }).pipe(
        map((response) => {
          const offset = integerHeader(response.headers, 'upload-offset');
          if (offset === undefined || offset > size) {
            throw protocolError(response, `the server reported Upload-Offset ${String(offset)}`);
          }
          return offset;
        }),
      );

    const serverOffset$ = (location: string, error: unknown): Observable<number> => {
      if (!isResumable(error) || failures >= maxRetries) return throwError(() => error);
      failures += 1;
      streak += 1;
      nextChunk = chunkSize;
      const known = error instanceof ApiError ? integerHeader(error.headers, 'upload-offset') : undefined;
      const retryAfter = error instanceof ApiError ? error.retryAfterMs : undefined;
      const delay = resumeDelay(streak, retryDelayMs, retryAfter, maxRetryAfterMs);
      const offset$: Observable<number> = known !== undefined ? of(known) : head$(location);
      return delay > 0 ? timer(delay).pipe(switchMap(() => offset$)) : offset$;
    };

    const resume = options.resume;
    const fresh$: Observable<{ result: TusResult; offset: number }> = create$.pipe(
      switchMap((result) =>
        resume
          ? from(resume.created(result)).pipe(map(() => ({ result, offset: 0 })))
          : of({ result, offset: 0 }),
      ),
    );
    // An upload begun by an earlier process goes on from the server's offset; one the server no
    // longer has (404, 410: expired or finished elsewhere) is begun again.
    const previous = resume?.previous;
    const start$ = previous
      ? head$(onConfiguredOrigin(previous.location, host, createUrl)).pipe(
          map((offset) => ({
            result: { ...previous, location: onConfiguredOrigin(previous.location, host, createUrl) },
            offset,
          })),
          catchError((error: unknown) =>
            error instanceof ApiError && (error.status === 404 || error.status === 410)
              ? fresh$
              : throwError(() => error),
          ),
        )
      : fresh$;

    return start$.pipe(
      switchMap(({ result, offset: first }) => {
        // What the server already holds counts as sent (a resumed upload's progress starts there).
        const upload$ = of<Step>(
          first > 0 ? { kind: 'accepted', offset: first } : { kind: 'offset', offset: 0 },
        ).pipe(
          expand((step) =>
            step.kind !== 'progress' && step.offset < size
              ? patch$(result.location, step.offset).pipe(
                  // A resync replaces the failed chunk's stream with the server's offset.
                  catchError((error: unknown) =>
                    serverOffset$(result.location, error).pipe(
                      map((offset): Step => ({ kind: 'offset', offset })),
                    ),
                  ),
                )
              : EMPTY,
          ),
          map((step) =>
            step.kind === 'progress'
              ? advance(step.loaded)
              : step.kind === 'accepted'
                ? advance(step.offset)
                : undefined,
          ),
          filter((event): event is ProgressEvent => event !== undefined),
        );
        const done$ = defer(() => {
          const last = advance(size);
          return concat(last ? of(last) : EMPTY, of({ type: 'result' as const, value: result }));
        });
        return concat(upload$, done$);
      }),
    );
  });
}

function originHeader(origin: string | false | undefined, host: string): Record<string, string> {
  if (origin === false) return {};
  if (origin !== undefined) return { Origin: origin };
  return isBrowser() ? {} : { Origin: new URL(host).origin };
}

function isBrowser(): boolean {
  return typeof window !== 'undefined' && typeof window.document !== 'undefined';
}

function protocolError(response: ApiResponse, detail: string): ApiError {
  return new ApiError({
    status: response.status,
    method: response.method,
    url: response.url,
    body: { detail: `Unexpected TUS response: ${detail}` },
    headers: response.headers,
  });
}

/** `key base64(value)` pairs, comma-separated, base64 over UTF-8 (TUS 1.0.0 Upload-Metadata). */
export function encodeMetadata(metadata: Readonly<Record<string, string>>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key} ${base64(value)}`)
    .join(',');
}

function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** `Upload-Filename` as the server stored it (Django MIME-encodes non-Latin-1 names). */
function storedName(value: string | undefined): string | undefined {
  return value === undefined ? undefined : decodeEncodedWords(value);
}
