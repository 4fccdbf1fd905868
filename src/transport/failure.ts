/**
 * Turns what axios and Node throw into cvat-rx errors without letting a secret through. An
 * AxiosError carries the request config (with the Authorization header) and the Node request
 * (with the Cookie header); `util.inspect` would print them. So the `cause` kept on a
 * NetworkError is a fresh, plain Error with only a scrubbed message and the system error code.
 */
import { NetworkError } from '../errors';
import { redactUrl } from './redact';
import type { HttpMethod } from './types';

const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;

/** Replaces every known secret and every URL's credentials in a text. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  return out;
}

/** Deeper than this, a (hostile) body is cut off rather than walked. */
const MAX_SCRUB_DEPTH = 64;

/**
 * A copy of parsed body data with every known secret replaced in its strings (object keys
 * included). Other values are kept; bytes and streams are returned as they are.
 */
export function scrubValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return scrubText(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_SCRUB_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item: unknown) => scrubValue(item, secrets, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[scrubText(key, secrets)] = scrubValue(item, secrets, depth + 1);
  }
  return out;
}

/** The secrets a request may carry in its headers (whole values and their parts). */
export function secretsOf(
  headers: Readonly<Record<string, string>> | undefined,
  extra: readonly (string | undefined)[],
) {
  const out = new Set<string>();
  for (const value of extra) if (value) out.add(value);
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization' || lower === 'x-csrftoken') {
      out.add(value);
      const space = value.indexOf(' ');
      if (space > 0) out.add(value.slice(space + 1));
    } else if (lower === 'cookie') {
      out.add(value);
      for (const pair of value.split(';')) {
        const eq = pair.indexOf('=');
        if (eq > 0) out.add(pair.slice(eq + 1).trim());
      }
    }
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}

interface ErrorLike {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly name?: unknown;
  readonly cause?: unknown;
}

/** The system error code (`ECONNRESET`, `ENOTFOUND`, …) of an error or of its cause. */
export function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  let fallback: string | undefined;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const code = (current as ErrorLike).code;
    if (typeof code === 'string' && code) {
      if (!code.startsWith('ERR_')) return code;
      fallback ??= code;
    }
    current = (current as ErrorLike).cause;
  }
  return fallback;
}

/** A plain Error standing for `error`: scrubbed message, code, nothing else. */
export function sanitizedCause(error: unknown, secrets: readonly string[]): Error {
  const message =
    typeof (error as ErrorLike)?.message === 'string'
      ? ((error as ErrorLike).message as string)
      : String(error);
  const safe = new Error(scrubText(message, secrets));
  const code = errorCode(error);
  if (code) Object.defineProperty(safe, 'code', { value: code, enumerable: true });
  safe.stack = `Error: ${safe.message}`;
  return safe;
}

export function toNetworkError(
  error: unknown,
  context: { method: HttpMethod; url: string; secrets: readonly string[]; what?: string },
): NetworkError {
  const cause = sanitizedCause(error, context.secrets);
  const code = errorCode(error);
  const message = context.what ? `${context.what}: ${cause.message}` : cause.message || 'network error';
  return new NetworkError(message, { method: context.method, url: context.url, code, cause });
}
