import { MultipartBody } from './multipart';
import type { ReadableLike, RequestBody } from './types';

/**
 * What a request body is, for serialization and progress:
 * `bytes` (Uint8Array, Buffer, ArrayBuffer), `text` (a string, sent as it is), `blob` (Blob or File),
 * `form` (FormData), `multipart` (a MultipartBody), `stream` (a Node Readable: one-shot, never
 * retried), `json` (anything else).
 */
export type BodyKind = 'none' | 'bytes' | 'text' | 'blob' | 'form' | 'multipart' | 'stream' | 'json';

const hasBlob = (): boolean => typeof Blob !== 'undefined';
const hasFormData = (): boolean => typeof FormData !== 'undefined';

export function isReadableLike(value: unknown): value is ReadableLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

export function bodyKind(body: RequestBody | undefined): BodyKind {
  if (body === undefined) return 'none';
  if (typeof body === 'string') return 'text';
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return 'bytes';
  if (hasBlob() && body instanceof Blob) return 'blob';
  if (hasFormData() && body instanceof FormData) return 'form';
  if (body instanceof MultipartBody) return 'multipart';
  if (isReadableLike(body)) return 'stream';
  return 'json';
}

/** Destroys a body that is a stream (closing its file, say); other bodies hold nothing to release. */
export function destroyBody(body: RequestBody | undefined): void {
  if (!isReadableLike(body)) return;
  const destroy = (body as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') destroy.call(body);
}

/** A stream can be read once; every other body can be sent again on a retry. */
export function isReplayable(body: RequestBody | undefined): boolean {
  return bodyKind(body) !== 'stream';
}

/** The bytes of a body that is already in memory (bytes, text, JSON). */
export function bytesOf(body: RequestBody | undefined): Uint8Array | undefined {
  switch (bodyKind(body)) {
    case 'bytes':
      return body instanceof ArrayBuffer ? new Uint8Array(body) : (body as Uint8Array);
    case 'text':
      return new TextEncoder().encode(body as string);
    case 'json':
      return new TextEncoder().encode(JSON.stringify(body));
    default:
      return undefined;
  }
}

/** One Uint8Array from many chunks. */
export function concatBytes(chunks: readonly Uint8Array[], length?: number): Uint8Array {
  if (chunks.length === 1 && (length === undefined || chunks[0]!.byteLength === length)) return chunks[0]!;
  const total = length ?? chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
