/**
 * FormData as `multipart/form-data`, with its exact length known before the first byte is sent
 * (so upload progress has a total and the server a Content-Length). Big files are streamed from
 * their Blob, never copied whole; small ones are read whole, a few ahead (see encodedParts). The
 * encoding follows the HTML standard: names and filenames escape `"`, CR and LF as `%22`, `%0D`,
 * `%0A`.
 */
const encoder = new TextEncoder();

export interface EncodedForm {
  readonly contentType: string;
  readonly length: number;
  /** Streams the encoded form; may be called again for a retry. */
  chunks(): AsyncGenerator<Uint8Array>;
}

type Part = Uint8Array | Blob;

/**
 * Faster ways to read some Blobs whole, by the Blob: a Node file source registers a direct file
 * read for the File it hands to a form (a file-backed Blob's own reader costs far more CPU per
 * small file). The read goes straight into the piece that will be sent, so a small file costs no
 * buffer of its own and no copy. Only the encoder below reads them.
 */
const wholeReaders = new WeakMap<Blob, WholeReader>();

/** Fills `target` (`blob.size` bytes) or fails: by returning, or by settling its Promise. */
export type WholeReader = (target: Uint8Array) => void | Promise<void>;

/** Registers how `blob` is read whole. A synchronous reader runs when its piece is filled. */
export function setWholeReader(blob: Blob, read: WholeReader): void {
  wholeReaders.set(blob, read);
}

async function readWholeInto(blob: Blob, target: Uint8Array): Promise<void> {
  const read = wholeReaders.get(blob);
  if (read) return read(target);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (bytes.byteLength !== target.byteLength) throw new Error('a file changed size while it was sent');
  target.set(bytes);
}

function escapeName(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function randomBoundary(): string {
  const bytes = new Uint8Array(12);
  const cryptoLike = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (cryptoLike?.getRandomValues) cryptoLike.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return `----cvat-rx-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function encodeForm(form: FormData, boundary: string = randomBoundary()): EncodedForm {
  const parts: Part[] = [];
  form.forEach((value, name) => {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
    if (typeof value === 'string') {
      parts.push(encoder.encode(`${head}\r\n\r\n`), encoder.encode(value), encoder.encode('\r\n'));
    } else {
      const filename = (value as Partial<File>).name ?? 'blob';
      head += `; filename="${escapeName(filename)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}`;
      parts.push(encoder.encode(`${head}\r\n\r\n`), value, encoder.encode('\r\n'));
    }
  });
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const length = parts.reduce(
    (sum, part) => sum + (part instanceof Uint8Array ? part.byteLength : part.size),
    0,
  );
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    chunks: () => encodedParts(parts),
  };
}

/** Blobs up to this size are read whole, ahead of the socket; bigger ones are streamed. */
const SMALL_BLOB = 1024 * 1024;
/** Small parts are sent together in pieces of about this size: fewer socket writes per file. */
const PIECE = 256 * 1024;
/** How far pieces are filled ahead of the socket: at most this many, and this many bytes. */
const AHEAD_PIECES = 8;
const AHEAD_BYTES = 8 * 1024 * 1024;

const sizeOf = (part: Part): number => (part instanceof Uint8Array ? part.byteLength : part.size);
const isSmall = (part: Part): boolean => part instanceof Uint8Array || part.size <= SMALL_BLOB;

/**
 * The form's parts in order. Runs of small parts (a bulk upload's heads, files and line breaks)
 * become pieces of about PIECE bytes, each one buffer that its small files are read into directly
 * while earlier pieces are sent (up to AHEAD_* ahead): one socket write per piece rather than three
 * per file, and no buffer or copy per file. Big Blobs are streamed in between.
 */
async function* encodedParts(parts: readonly Part[]): AsyncGenerator<Uint8Array> {
  const ahead: Array<Promise<Uint8Array> | Blob> = [];
  let aheadBytes = 0;
  let next = 0;
  const fillAhead = (): void => {
    while (next < parts.length && ahead.length < AHEAD_PIECES && aheadBytes < AHEAD_BYTES) {
      const first = parts[next]!;
      if (!isSmall(first)) {
        ahead.push(first as Blob);
        next += 1;
        continue;
      }
      let end = next;
      let size = 0;
      while (end < parts.length && size < PIECE && isSmall(parts[end]!)) size += sizeOf(parts[end++]!);
      const piece = new Uint8Array(size);
      const reads: Promise<void>[] = [];
      for (let at = 0; next < end; next++) {
        const part = parts[next]!;
        if (part instanceof Uint8Array) piece.set(part, at);
        else reads.push(readWholeInto(part, piece.subarray(at, at + part.size)));
        at += sizeOf(part);
      }
      const filled = Promise.all(reads).then(() => piece);
      filled.catch(() => undefined); // awaited when its turn comes; unawaited if the request stops first
      ahead.push(filled);
      aheadBytes += size;
    }
  };
  for (;;) {
    fillAhead();
    const item = ahead.shift();
    if (item === undefined) return;
    if (item instanceof Blob) {
      yield* blobChunks(item);
      continue;
    }
    const piece = await item;
    aheadBytes -= piece.byteLength;
    yield piece;
  }
}

/** The bytes of a Blob, chunk by chunk. */
export async function* blobChunks(blob: Blob): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      if (value) yield value;
    }
  } finally {
    // Stopped early (cancelled request): let the Blob's stream go.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
