import type { ResponseType } from './types';

// Not streaming (no `stream: true`), so one decoder serves every response.
const utf8 = new TextDecoder('utf-8');

/** `application/json`, `application/vnd.cvat+json`, `application/problem+json`, … */
export function isJsonContentType(contentType: string | undefined): boolean {
  return (
    contentType !== undefined && /^application\/(?:[\w.-]+\+)?json(?:\s*;|\s*$)/i.test(contentType.trim())
  );
}

/** JSON when the server said JSON (or said nothing and it parses), else text; an empty body is `null`. */
export function parseJsonOrText(bytes: Uint8Array, contentType: string | undefined): unknown {
  if (bytes.byteLength === 0) return null;
  const text = utf8.decode(bytes);
  if (isJsonContentType(contentType) || contentType === undefined || contentType === '') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * The body of a response as the request asked for it. Error statuses are always read as JSON or
 * text, whatever `responseType` was, so `ApiError` can say what the server said.
 */
export function decodeBody(
  bytes: Uint8Array,
  contentType: string | undefined,
  responseType: ResponseType,
  ok: boolean,
): unknown {
  if (!ok || responseType === 'json') return parseJsonOrText(bytes, contentType);
  switch (responseType) {
    case 'text':
      return utf8.decode(bytes);
    case 'blob':
      return new Blob([bytes as Uint8Array<ArrayBuffer>], contentType ? { type: contentType } : {});
    default:
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
}

export function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}
