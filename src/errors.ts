import type { HttpMethod, ResponseHeaders } from './transport/types';
import { redactUrl, redactHeaders, describeServerBody } from './transport/redact';

/**
 * The root of every error cvat-rx emits. Errors travel only in an Observable's error channel.
 * Messages, `JSON.stringify` and `util.inspect` never show credentials: every field is redacted
 * where it is set.
 */
export abstract class CvatError extends Error {
  abstract readonly kind: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** Plain data for logs; `JSON.stringify(error)` uses it. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message };
  }
}

export interface ApiErrorInit {
  readonly status: number;
  readonly method: HttpMethod;
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: ResponseHeaders;
  readonly operationId?: string;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** The server answered with a status the call does not accept. */
export class ApiError extends CvatError {
  override readonly name: string = 'ApiError';
  readonly kind: string = 'api';
  readonly status: number;
  readonly method: HttpMethod;
  /** The request URL with credentials and signed parameters removed. */
  readonly url: string;
  /** The parsed response body (JSON when the server sent JSON, else text). */
  readonly body: unknown;
  /** Response headers, with cookies removed. */
  readonly headers: ResponseHeaders;
  readonly operationId: string | undefined;
  /** The delay a 429 or 503 asked for, when it sent `Retry-After`. */
  readonly retryAfterMs: number | undefined;

  constructor(init: ApiErrorInit) {
    const url = redactUrl(init.url);
    const detail = describeServerBody(init.body);
    super(`${init.method} ${url} failed with ${init.status}${detail ? `: ${detail}` : ''}`, {
      cause: init.cause,
    });
    this.status = init.status;
    this.method = init.method;
    this.url = url;
    this.body = init.body;
    this.headers = redactHeaders(init.headers ?? {});
    this.operationId = init.operationId;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** Field errors of a 400 (`{ name: ['This field is required.'] }`), when the server sent them. */
  get fieldErrors(): Readonly<Record<string, readonly string[]>> {
    const body = this.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
    const out: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(body)) {
      if (key === 'detail') continue;
      if (Array.isArray(value)) out[key] = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      else if (typeof value === 'string') out[key] = [value];
    }
    return out;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      method: this.method,
      url: this.url,
      operationId: this.operationId,
      body: this.body,
    };
  }
}

/** No usable response: DNS, refused or reset connection, TLS failure, aborted socket. */
export class NetworkError extends CvatError {
  override readonly name: string = 'NetworkError';
  readonly kind: string = 'network';
  readonly method: HttpMethod | undefined;
  readonly url: string | undefined;
  /** A system error code such as `ECONNRESET`, when there is one. */
  readonly code: string | undefined;

  constructor(
    message: string,
    init: { method?: HttpMethod; url?: string; code?: string; cause?: unknown } = {},
  ) {
    const url = init.url === undefined ? undefined : redactUrl(init.url);
    super(url ? `${init.method ?? 'request'} ${url}: ${message}` : message, { cause: init.cause });
    this.method = init.method;
    this.url = url;
    this.code = init.code;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, url: this.url, code: this.code };
  }
}

/** A connect or idle timeout of a request, or the deadline of a waiter. */
export class TimeoutError extends CvatError {
  override readonly name: string = 'TimeoutError';
  readonly kind: string = 'timeout';
  readonly timeoutMs: number;
  /**
   * Which limit ran out: `connect` (no connection; nothing reached the server, safe to retry),
   * `idle` (the server went silent), or `deadline` (a waiter's overall limit).
   */
  readonly phase: 'connect' | 'idle' | 'deadline' | undefined;
  /** For waiters: the last status seen and how many polls were made. */
  readonly lastStatus: unknown;
  readonly attempts: number | undefined;

  constructor(
    message: string,
    init: {
      timeoutMs: number;
      phase?: 'connect' | 'idle' | 'deadline';
      lastStatus?: unknown;
      attempts?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: init.cause });
    this.timeoutMs = init.timeoutMs;
    this.phase = init.phase;
    this.lastStatus = init.lastStatus;
    this.attempts = init.attempts;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs, phase: this.phase, attempts: this.attempts };
  }
}

/** Data from the server did not match its codec. `issues` names every mismatching path. */
export class DecodeError extends CvatError {
  override readonly name: string = 'DecodeError';
  readonly kind: string = 'decode';
  readonly codecName: string;
  readonly issues: readonly string[];
  readonly operationId: string | undefined;
  readonly status: number | undefined;

  constructor(init: { codecName: string; issues: readonly string[]; operationId?: string; status?: number }) {
    const shown = init.issues.slice(0, 10);
    const more =
      init.issues.length > shown.length ? `\n  … and ${init.issues.length - shown.length} more` : '';
    const where = init.operationId ? ` in ${init.operationId}${init.status ? ` (${init.status})` : ''}` : '';
    super(`Invalid ${init.codecName}${where}:\n  ${shown.join('\n  ')}${more}`);
    this.codecName = init.codecName;
    this.issues = init.issues;
    this.operationId = init.operationId;
    this.status = init.status;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      codecName: this.codecName,
      issues: this.issues,
      operationId: this.operationId,
    };
  }
}

/**
 * A response body passed the size the client buffers (`maxResponseBytes`, or
 * `maxBinaryResponseBytes` for bytes and Blobs). The connection was closed as soon as the limit
 * was passed, so no more was read. Not retried: the same server would send the same body.
 */
export class ResponseTooLargeError extends CvatError {
  override readonly name: string = 'ResponseTooLargeError';
  readonly kind: string = 'response_too_large';
  readonly method: HttpMethod;
  /** The request URL with credentials removed. */
  readonly url: string;
  /** The limit that was passed, in bytes. */
  readonly limitBytes: number;
  /** What the server announced (`Content-Length`) or what was read when the limit was passed. */
  readonly receivedBytes: number;

  constructor(init: { method: HttpMethod; url: string; limitBytes: number; receivedBytes: number }) {
    const url = redactUrl(init.url);
    super(
      `${init.method} ${url}: the response is larger than the ${init.limitBytes}-byte limit ` +
        `(${init.receivedBytes} bytes seen); raise maxResponseBytes if the server is trusted`,
    );
    this.method = init.method;
    this.url = url;
    this.limitBytes = init.limitBytes;
    this.receivedBytes = init.receivedBytes;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      method: this.method,
      url: this.url,
      limitBytes: this.limitBytes,
      receivedBytes: this.receivedBytes,
    };
  }
}

/** A background request on the server (an rq_id) ended as `failed`. */
export class RequestFailedError extends CvatError {
  override readonly name: string = 'RequestFailedError';
  readonly kind: string = 'request_failed';
  readonly requestId: string;
  /** The server's own message, e.g. the last line of a Python traceback. */
  readonly serverMessage: string;

  constructor(init: { requestId: string; serverMessage: string; cause?: unknown }) {
    const reason = describeServerBody(init.serverMessage) || 'no message';
    super(`Server request ${init.requestId} failed: ${reason}`, { cause: init.cause });
    this.requestId = init.requestId;
    this.serverMessage = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), requestId: this.requestId, serverMessage: this.serverMessage };
  }
}

/** The operation was cancelled by something other than the subscriber (unsubscribing is silent). */
export class CancelledError extends CvatError {
  override readonly name: string = 'CancelledError';
  readonly kind: string = 'cancelled';
}

/** Bad input caught before anything was sent: a missing file, an invalid spec, conflicting options. */
export class UsageError extends CvatError {
  override readonly name: string = 'UsageError';
  readonly kind: string = 'usage';
}

export const isCvatError = (value: unknown): value is CvatError => value instanceof CvatError;
export const isApiError = (value: unknown): value is ApiError => value instanceof ApiError;
export const isNetworkError = (value: unknown): value is NetworkError => value instanceof NetworkError;
export const isTimeoutError = (value: unknown): value is TimeoutError => value instanceof TimeoutError;
export const isDecodeError = (value: unknown): value is DecodeError => value instanceof DecodeError;
export const isRequestFailedError = (value: unknown): value is RequestFailedError =>
  value instanceof RequestFailedError;
export const isResponseTooLargeError = (value: unknown): value is ResponseTooLargeError =>
  value instanceof ResponseTooLargeError;
export const isUsageError = (value: unknown): value is UsageError => value instanceof UsageError;
