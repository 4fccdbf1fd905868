import type { TransportRequest } from './types';

type Headers = Readonly<Record<string, string>> | undefined;

/** The value of a header, whatever its case in the map. */
export function findHeader(headers: Headers, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function hasHeader(headers: Headers, name: string): boolean {
  return findHeader(headers, name) !== undefined;
}

/** A copy of the request with a header set (replacing any spelling of the same name). */
export function withHeader(request: TransportRequest, name: string, value: string): TransportRequest {
  const wanted = name.toLowerCase();
  const headers: Record<string, string> = {};
  for (const [key, existing] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() !== wanted) headers[key] = existing;
  }
  headers[name] = value;
  return { ...request, headers };
}

/** A copy of the request with a header set only when the request does not carry it already. */
export function withDefaultHeader(request: TransportRequest, name: string, value: string): TransportRequest {
  return hasHeader(request.headers, name) ? request : withHeader(request, name, value);
}

/** Flattens response headers into lower-case names; repeated `set-cookie` lines are joined by `\n`. */
export function normalizeResponseHeaders(raw: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = key.toLowerCase();
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = value.map(String).join(name === 'set-cookie' ? '\n' : ', ');
    else out[name] = String(value);
  }
  return out;
}
