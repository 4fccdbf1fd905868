/**
 * Request bodies in Node: every body is sent through a stream of our own that counts the bytes
 * the HTTP request takes from it, so upload progress follows the socket (axios' own
 * `onUploadProgress` is throttled in Node and its last event can arrive after the response).
 * The stream's buffer is one piece (a progress step; 512 KiB for bodies of 8 MiB or more, where
 * fewer, bigger socket writes save CPU), so the count leads the socket by at most that much.
 */
import type { Readable } from 'node:stream';
import { bodyKind, bytesOf, destroyBody } from './body';
import { blobChunks, encodeForm } from './multipart';
import type { MultipartBody } from './multipart';
import { PROGRESS_STEP } from './progress';
import type { NodeBuiltins } from './runtime';
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

/** Bodies from this size on are handed to the socket in bigger pieces: fewer writes per MiB. */
const BIG_BODY = 8 * 1024 * 1024;
const BIG_STEP = 512 * 1024;

function toAsyncIterable(source: ReadableLike, node: NodeBuiltins): AsyncIterable<unknown> {
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
  node: NodeBuiltins,
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
  } else if (kind === 'form' || kind === 'multipart') {
    const form = encodeForm(body as FormData | MultipartBody);
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

  const data = countingBody(node, iteratorOf(source), total, hooks);
  return {
    data,
    headers,
    forcedContentType,
    total,
    destroy() {
      data.destroy();
      destroyBody(body);
    },
  };
}

function iteratorOf(
  source: AsyncIterable<unknown> | Iterable<Uint8Array>,
): AsyncIterator<unknown> | Iterator<Uint8Array> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}

/**
 * A Readable over the source that hands the request one progress step at a time and counts a
 * piece once the request asks for the next one (`_read`), i.e. once it has taken it. Big source
 * chunks (a Blob's parts, a caller's buffers) are cut here without copying; only a new source
 * chunk costs a promise.
 */
function countingBody(
  node: NodeBuiltins,
  source: AsyncIterator<unknown> | Iterator<Uint8Array>,
  total: number | undefined,
  hooks: BodyHooks,
): Readable {
  const step = total !== undefined && total >= BIG_BODY ? BIG_STEP : PROGRESS_STEP;
  let chunk: Uint8Array | undefined;
  let read = 0;
  let offset = 0;
  let handed = 0;
  let ended = false;
  const body = new node.stream.Readable({
    highWaterMark: step,
    read() {
      if (handed > 0) hooks.onBytes(handed);
      handed = 0;
      if (chunk !== undefined && offset < chunk.byteLength) return pushPiece();
      pull();
    },
    destroy(error, callback) {
      // Stop the source too (a file stream closes its descriptor), unless it already ended.
      if (!ended) void Promise.resolve(source.return?.()).catch(() => undefined);
      callback(error);
    },
  });
  const pushPiece = (): void => {
    const piece = chunk!.subarray(offset, Math.min(offset + step, chunk!.byteLength));
    offset += piece.byteLength;
    handed = piece.byteLength;
    body.push(piece);
  };
  // Every source is read as if asynchronous: a synchronous one costs a microtask per chunk (not per
  // piece), and a `next()` that throws becomes a rejection.
  const pull = (): void => {
    new Promise<IteratorResult<unknown>>((resolve) => resolve(source.next())).then(take, fail);
  };
  const take = (result: IteratorResult<unknown>): void => {
    if (body.destroyed) return;
    if (result.done) {
      // A short body would leave the server waiting for the rest until a timeout.
      if (total !== undefined && read !== total) {
        return fail(new Error(`the body ended after ${read} of the ${total} bytes announced`));
      }
      ended = true;
      hooks.onEnd();
      body.push(null);
      return;
    }
    try {
      chunk = asBytes(result.value);
    } catch (error) {
      return fail(error);
    }
    offset = 0;
    read += chunk.byteLength;
    if (chunk.byteLength === 0) return pull();
    pushPiece();
  };
  const fail = (error: unknown): void => {
    ended = true;
    hooks.onSourceError(error);
    body.destroy(error instanceof Error ? error : new Error(String(error)));
  };
  return body;
}
