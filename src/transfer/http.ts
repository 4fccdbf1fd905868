import type { Observable } from 'rxjs';
import { ApiError, DecodeError, NetworkError, TimeoutError, UsageError } from '../errors';
import { redactUrl } from '../transport/redact';
import type { ApiResponse, ResponseHeaders, TransportEvent, TransportRequest } from '../transport/types';
import { apiErrorFrom } from '../transport/transport';
import type { RequestOptions } from '../transport/transport';
import { findHeader } from '../transport/headers';

/** The part of `Transport` the transfer engine uses (a `Transport` is one). */
export interface TransferTransport {
  events(request: TransportRequest): Observable<TransportEvent>;
  request(request: TransportRequest, options?: RequestOptions): Observable<ApiResponse>;
  readonly configuration: {
    readonly host: string;
    readonly timeouts?: { readonly idleMs: number };
    /** `maxDelayMs` caps every `Retry-After` a transfer honours. */
    readonly retry?: { readonly maxDelayMs: number };
  };
}

/** A response header by case-insensitive name. */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  return findHeader(headers, name);
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** The error for a response the protocol step does not accept. */
export function unexpectedResponse(response: ApiResponse, operationId?: string, cause?: unknown): ApiError {
  return apiErrorFrom(response, { ...(operationId === undefined ? {} : { operationId }), cause });
}

/** Non-2xx responses become `ApiError`, whether or not the transport raised them already. */
export function checkResponse(response: ApiResponse, operationId?: string): ApiResponse {
  if (!isSuccess(response.status)) throw unexpectedResponse(response, operationId);
  return response;
}

/**
 * Resolves a server-given URL (TUS `Location`, `result_url`) against the configured host. CVAT
 * builds them from `Origin` or `CVAT_BASE_URL`, which often name `localhost` or an internal host,
 * so an absolute URL on another origin is moved onto the configured origin (path and query kept).
 */
export function onConfiguredOrigin(url: string, host: string, base?: string): string {
  const configured = parseUrl(host);
  if (configured === undefined) throw new UsageError(`The configured host is not a URL: ${redactUrl(host)}`);
  // A relative base is a path under the host (which may carry a prefix), as the transport joins it.
  const absoluteBase =
    base === undefined ? host : /^[a-z][a-z0-9+.-]*:/i.test(base) ? base : joinPath(host, base);
  const resolved = parseUrl(url, absoluteBase);
  if (resolved === undefined) {
    // A server-given URL (Location, result_url) that does not parse is bad server data.
    throw new DecodeError({
      codecName: 'URL',
      issues: [`<root>: the server gave ${JSON.stringify(redactUrl(url).slice(0, 200))}, not a URL`],
    });
  }
  if (resolved.origin !== configured.origin) {
    resolved.protocol = configured.protocol;
    resolved.hostname = configured.hostname;
    resolved.port = configured.port;
  }
  return resolved.toString();
}

/** Whether a failed TUS step may be resumed: network trouble, timeouts, 409, 423, 429 and 5xx. */
export function isResumable(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof TimeoutError) return true;
  if (error instanceof ApiError) {
    return error.status >= 500 || error.status === 409 || error.status === 423 || error.status === 429;
  }
  return false;
}

/** A `Tus-Resumable`/`Upload-*` header value as a non-negative integer, or undefined. */
export function integerHeader(headers: ResponseHeaders, name: string): number | undefined {
  const raw = header(headers, name);
  if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

function parseUrl(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}

function joinPath(host: string, path: string): string {
  return `${host.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
