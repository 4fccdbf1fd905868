import type { ResponseHeaders } from './types';

/** Query parameters that carry credentials or signatures (CVAT tokens and `sign`ed URLs, S3/Azure/GCS signed URLs). */
const SECRET_QUERY =
  /^(key|token|access_token|auth|password|secret|sign|sig|signature|sessionid|csrftoken|x-amz-.*|x-goog-.*|se|sp|sv|skoid|sktid)$/i;

/**
 * A query that might hold one of them: a name above right after `?` or `&`, or any escape (an
 * escaped name is decoded before it is compared).
 */
const MAYBE_SECRET_QUERY =
  /[?&](key|token|access_token|auth|password|secret|sign|sig|signature|sessionid|csrftoken|x-amz-|x-goog-|se|sp|sv|skoid|sktid)|\?.*%/i;

/** Headers never kept on errors or logs. */
const SECRET_HEADERS = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'x-csrftoken',
  'proxy-authorization',
]);

/**
 * Removes `user:password@` and secret query parameters from a URL, keeping everything else
 * readable. Also takes a host without a scheme (`user:pw@cvat:8080`, as `--server-host` may be).
 */
export function redactUrl(url: string): string {
  // Most URLs have neither: one scan instead of a split and a decode per parameter.
  if (!url.includes('@') && !MAYBE_SECRET_QUERY.test(url)) return url;
  const queryStart = url.indexOf('?');
  const base = queryStart < 0 ? url : url.slice(0, queryStart);
  const query = queryStart < 0 ? '' : url.slice(queryStart + 1);
  const withoutUser = withoutUserinfo(base);
  if (!query) return withoutUser;
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = decodeSafely(eq < 0 ? pair : pair.slice(0, eq));
    return SECRET_QUERY.test(name) ? `${pair.slice(0, eq < 0 ? pair.length : eq)}=REDACTED` : pair;
  });
  return `${withoutUser}?${parts.join('&')}`;
}

/**
 * The URL without its userinfo. The authority ends at the first `/`, `?` or `#`, and the userinfo
 * at the last `@` before it, as WHATWG URL parsing has it: a password may hold a raw `@`.
 */
function withoutUserinfo(base: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(base);
  const start = scheme ? scheme[0].length : base.startsWith('//') ? 2 : 0;
  const rest = base.slice(start);
  const end = rest.search(/[/?#\\]/);
  const at = (end < 0 ? rest : rest.slice(0, end)).lastIndexOf('@');
  return at < 0 ? base : `${base.slice(0, start)}${rest.slice(at + 1)}`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A copy of the headers without credentials or cookies. */
export function redactHeaders(headers: ResponseHeaders): ResponseHeaders {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!SECRET_HEADERS.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

const MAX_MESSAGE = 500;

/**
 * Turns a server body into one readable line: DRF's `{detail}`, a field-error map
 * (`name: This field is required.`), a list of messages, or a Python traceback reduced to its last line.
 */
export function describeServerBody(body: unknown): string {
  return truncate(describe(body, 0).trim());
}

function describe(body: unknown, depth: number): string {
  if (body === null || body === undefined || depth > 3) return '';
  if (typeof body === 'string') return describeText(body);
  if (typeof body === 'number' || typeof body === 'boolean') return String(body);
  if (Array.isArray(body)) {
    return body
      .map((item) => describe(item, depth + 1))
      .filter(Boolean)
      .join('; ');
  }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return '';
  if (typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if ('detail' in record) return describe(record['detail'], depth + 1);
    if ('message' in record && typeof record['message'] === 'string') return describeText(record['message']);
    return Object.entries(record)
      .map(([key, value]) => {
        const text = describe(value, depth + 1);
        return text ? (key === 'non_field_errors' ? text : `${key}: ${text}`) : '';
      })
      .filter(Boolean)
      .join('; ');
  }
  return '';
}

function describeText(text: string): string {
  const trimmed = text.trim();
  if (/<html[\s>]/i.test(trimmed.slice(0, 200))) {
    const title = /<title>([^<]*)<\/title>/i.exec(trimmed);
    return title?.[1]?.trim() ?? 'an HTML error page';
  }
  if (trimmed.startsWith('Traceback (most recent call last)') || /\n\s+File ".*", line \d+/.test(trimmed)) {
    const lines = trimmed.split('\n').filter((line) => line.trim() !== '');
    return lines[lines.length - 1]?.trim() ?? trimmed;
  }
  return trimmed;
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
