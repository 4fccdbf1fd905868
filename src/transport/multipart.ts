/**
 * FormData as `multipart/form-data`, with its exact length known before the first byte is sent
 * (so upload progress has a total and the server a Content-Length). Big files are streamed from
 * their Blob, never copied whole; small ones are read whole, a few ahead (see encodedParts). The
 * encoding follows the HTML standard: names and filenames escape `"`, CR and LF as `%22`, `%0D`,
 * `%0A`.
 */
import { concatBytes } from './body';

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
 * small file). Only the encoder below reads them.
 */
const wholeReaders = new WeakMap<Blob, () => Promise<Uint8Array>>();

/** Registers how `blob` is read whole (it must give exactly `blob.size` bytes, or reject). */
export function setWholeReader(blob: Blob, read: () => Promise<Uint8Array>): void {
  wholeReaders.set(blob, read);
}

function readWhole(blob: Blob): Promise<Uint8Array> {
  const read = wholeReaders.get(blob);
  return read ? read() : blob.arrayBuffer().then((buffer) => new Uint8Array(buffer));
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
/** How much is read ahead at most: the memory a form costs beyond the piece being sent. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
const READ_AHEAD_BLOBS = 32;
/** Small parts are gathered into pieces of about this size: fewer socket writes per file. */
const PIECE = 256 * 1024;

/**
 * The form's parts in order. Many small files (a bulk upload) would otherwise cost one file read
 * round trip each, one after the other, and three socket writes each (head, bytes, CRLF): the
 * next small Blobs are read while this one is sent (bounded by READ_AHEAD_*), and small parts are
 * sent together in pieces of about PIECE bytes.
 */
async function* encodedParts(parts: readonly Part[]): AsyncGenerator<Uint8Array> {
  const reads = new Map<number, Promise<Uint8Array>>();
  let readBytes = 0;
  let scanned = 0;
  const readAhead = (from: number): void => {
    scanned = Math.max(scanned, from);
    for (; scanned < parts.length && reads.size < READ_AHEAD_BLOBS; scanned++) {
      const part = parts[scanned]!;
      if (part instanceof Uint8Array) continue;
      if (part.size > SMALL_BLOB || (reads.size > 0 && readBytes + part.size > READ_AHEAD_BYTES)) return;
      const read = readWhole(part);
      read.catch(() => undefined); // awaited when its turn comes; unawaited if the request stops first
      reads.set(scanned, read);
      readBytes += part.size;
    }
  };
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = (): Uint8Array => {
    const piece = concatBytes(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return piece;
  };
  for (let i = 0; i < parts.length; i++) {
    readAhead(i);
    const part = parts[i]!;
    let bytes: Uint8Array | undefined;
    if (part instanceof Uint8Array) bytes = part;
    else {
      const read = reads.get(i);
      if (read !== undefined) {
        reads.delete(i);
        bytes = await read;
        readBytes -= part.size;
        if (bytes.byteLength !== part.size) throw new Error(`a file changed size while it was sent`);
      }
    }
    if (bytes === undefined) {
      if (pendingBytes > 0) yield flush();
      yield* blobChunks(part as Blob);
      continue;
    }
    pending.push(bytes);
    pendingBytes += bytes.byteLength;
    if (pendingBytes >= PIECE) yield flush();
  }
  if (pendingBytes > 0) yield flush();
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
