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
      return ownArrayBuffer(bytes);
  }
}

/**
 * The bytes as an ArrayBuffer of their own: the view's buffer itself when the view covers all of
 * it (a body joined from several reads), else a copy (a slice of a bigger or shared buffer).
 */
function ownArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) {
    return buffer;
  }
  return buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}
