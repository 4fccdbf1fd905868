import type { Observable } from 'rxjs';
import type { MultipartBody } from './multipart';

/** HTTP methods CVAT's API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** A query value; arrays repeat the key, booleans become `true`/`false`, null/undefined are dropped. */
export type QueryScalar = string | number | boolean;
export type QueryValue = QueryScalar | readonly QueryScalar[] | null | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

/** The minimal shape of a Node `Writable` that a `ReadableLike` pipes into. */
export interface WritableLike {
  write(...args: never[]): unknown;
  end(...args: never[]): unknown;
}

/**
 * The minimal shape of a Node `Readable` the transport accepts. It names no Node type, so the
 * package root's declarations compile without @types/node.
 */
export interface ReadableLike {
  pipe(destination: WritableLike, options?: { end?: boolean }): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** JSON-compatible data. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/**
 * What a request may carry: raw bytes, a string, a Blob (or File), FormData or a MultipartBody,
 * a Node stream (give `bodySize` so progress has a total and the server a Content-Length), or
 * JSON data.
 */
export type RequestBody =
  Uint8Array | ArrayBuffer | string | Blob | FormData | MultipartBody | ReadableLike | JsonValue;

export type ResponseType = 'json' | 'text' | 'arraybuffer' | 'stream' | 'blob';

/** An immutable request description. Interceptors change requests by copying them. */
export interface TransportRequest {
  readonly method: HttpMethod;
  /** A path under the configured host (`/api/tasks/1`) or an absolute URL. Trailing slashes are kept. */
  readonly url: string;
  readonly query?: QueryParams;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestBody;
  /** Size in bytes of a stream body; required for upload progress totals of streams. */
  readonly bodySize?: number;
  /** How to read the response body; `json` (the default) also accepts `application/vnd.cvat+json`. */
  readonly responseType?: ResponseType;
  /** Declares a non-idempotent method (POST, PATCH) safe to repeat, e.g. TUS `HEAD`-checked chunks. */
  readonly idempotent?: boolean;
  /** Per-request override of the retry policy; `{ maxAttempts: 1 }` disables retries. */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Per-request override of the configuration's `maxResponseBytes` (JSON/text) or
   * `maxBinaryResponseBytes` (bytes, Blobs), whichever this request's `responseType` uses.
   */
  readonly maxResponseBytes?: number;
  /** Per-request override of the timeouts. */
  readonly timeouts?: Partial<Timeouts>;
  /** Skips the organization context (for routes that must not carry one, such as `/api/server/about`). */
  readonly withoutOrganization?: boolean;
  /** Skips authentication (for public routes and for following redirects to another host). */
  readonly withoutAuth?: boolean;
  /** A name for logs and errors, such as the operationId `tasks_create`. */
  readonly operationId?: string;
  /** Browsers only: send the browser's cookies (set by the auth step for the configured host). */
  readonly withCredentials?: boolean;
}

export type ResponseHeaders = Readonly<Record<string, string>>;

/** A received response. `body` is decoded JSON, text, bytes or a stream, as `responseType` asked. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseHeaders;
  readonly body: T;
  readonly method: HttpMethod;
  /** The request URL with credentials and signatures removed. */
  readonly url: string;
}

/** The request was handed to the network (emitted again on each retry attempt). */
export interface SentEvent {
  readonly type: 'sent';
  readonly attempt: number;
}
/** Bytes of the request body handed to the socket so far; monotonic, the last equals `total`. */
export interface UploadProgressEvent {
  readonly type: 'upload_progress';
  readonly loaded: number;
  readonly total?: number;
}
export interface ResponseHeadersEvent {
  readonly type: 'response_headers';
  readonly status: number;
  readonly headers: ResponseHeaders;
}
export interface DownloadProgressEvent {
  readonly type: 'download_progress';
  readonly loaded: number;
  readonly total?: number;
}
export interface ResponseEvent<T = unknown> {
  readonly type: 'response';
  readonly response: ApiResponse<T>;
}

/** The event stream of one request, in the manner of Angular's `HttpEvent`. */
export type TransportEvent<T = unknown> =
  SentEvent | UploadProgressEvent | ResponseHeadersEvent | DownloadProgressEvent | ResponseEvent<T>;

/** Sends one request; the innermost handler is the axios backend. */
export type Handler = (request: TransportRequest) => Observable<TransportEvent>;

/** A plain function around the rest of the chain: change the request, watch or change the events. */
export type Interceptor = (request: TransportRequest, next: Handler) => Observable<TransportEvent>;

export interface RetryPolicy {
  /** Attempts in all, the first included; 1 disables retries. */
  readonly maxAttempts: number;
  /** The base of the exponential backoff (full jitter: random() × base × 2^n). */
  readonly baseDelayMs: number;
  /** The cap of one delay, also applied to `Retry-After`. */
  readonly maxDelayMs: number;
}

export interface Timeouts {
  /** Until the connection is established and the request written. */
  readonly connectMs: number;
  /** The longest silence between two chunks of the response (or before its headers). */
  readonly idleMs: number;
}
