/**
 * Request bodies in Node: every body is sent through a stream of our own that counts the bytes
 * the HTTP request takes from it, so upload progress follows the socket (axios' own
 * `onUploadProgress` is throttled in Node and its last event can arrive after the response).
 * The stream's buffer is one progress step, so the count leads the socket by at most that much.
 */
import type { Readable } from 'node:stream';
import { bodyKind, bytesOf, isReadableLike } from './body';
import { blobChunks, encodeForm } from './multipart';
import { PROGRESS_STEP } from './progress';
import type { NodeModules } from './runtime';
import type { ReadableLike, TransportRequest } from './types';

export interface PreparedBody {
  /** What axios sends; undefined when there is no body. */
  readonly data: Readable | undefined;
  /** Headers the body implies (Content-Type, Content-Length), applied unless the request has them. */
  readonly headers: Readonly<Record<string, string>>;
  /** Content-Type that must replace the request's own (a multipart boundary we chose). */
  readonly forcedContentType: string | undefined;
  readonly total: number | undefined;
  /** Stops reading (cancelled or failed request); also destroys a caller's stream. */
  destroy(): void;
}

export interface BodyHooks {
  onBytes(bytes: number): void;
  onEnd(): void;
  onSourceError(error: unknown): void;
}

const encoder = new TextEncoder();

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += PROGRESS_STEP) {
    yield bytes.subarray(offset, Math.min(offset + PROGRESS_STEP, bytes.byteLength));
  }
}

function toAsyncIterable(source: ReadableLike, node: NodeModules): AsyncIterable<unknown> {
  if (Symbol.asyncIterator in source) return source as unknown as AsyncIterable<unknown>;
  const through = new node.stream.PassThrough();
  source.on('error', (error) => through.destroy(error instanceof Error ? error : new Error(String(error))));
  source.pipe(through);
  return through;
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('a request body stream must yield bytes or strings');
}

export function prepareNodeBody(
  request: TransportRequest,
  node: NodeModules,
  hooks: BodyHooks,
): PreparedBody {
  const body = request.body;
  const kind = bodyKind(body);
  if (kind === 'none') {
    return {
      data: undefined,
      headers: {},
      forcedContentType: undefined,
      total: undefined,
      destroy: () => undefined,
    };
  }
  let source: AsyncIterable<unknown> | Iterable<Uint8Array>;
  let total: number | undefined;
  const headers: Record<string, string> = {};
  let forcedContentType: string | undefined;
  if (kind === 'blob') {
    const blob = body as Blob;
    total = blob.size;
    source = blobChunks(blob);
    headers['Content-Type'] = blob.type || 'application/octet-stream';
  } else if (kind === 'form') {
    const form = encodeForm(body as FormData);
    total = form.length;
    source = form.chunks();
    forcedContentType = form.contentType;
  } else if (kind === 'stream') {
    total = request.bodySize;
    source = toAsyncIterable(body as ReadableLike, node);
    headers['Content-Type'] = 'application/octet-stream';
  } else {
    const bytes = bytesOf(body)!;
    total = bytes.byteLength;
    source = [bytes];
    headers['Content-Type'] =
      kind === 'text'
        ? 'text/plain; charset=utf-8'
        : kind === 'json'
          ? 'application/json'
          : 'application/octet-stream';
  }
  if (total !== undefined) headers['Content-Length'] = String(total);

  async function* counted(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) {
        // Big chunks (a Blob hands out whole parts) are cut to one progress step each.
        for (const piece of slices(asBytes(chunk))) {
          yield piece;
          // Resumed: the request has taken this piece and asks for the next one.
          hooks.onBytes(piece.byteLength);
        }
      }
    } catch (error) {
      hooks.onSourceError(error);
      throw error;
    }
    hooks.onEnd();
  }

  const data = node.stream.Readable.from(counted(), { objectMode: false, highWaterMark: PROGRESS_STEP });
  return {
    data,
    headers,
    forcedContentType,
    total,
    destroy() {
      data.destroy();
      if (kind === 'stream' && isReadableLike(body)) {
        const destroy = (body as { destroy?: unknown }).destroy;
        if (typeof destroy === 'function') destroy.call(body);
      }
    },
  };
}
