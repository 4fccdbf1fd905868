/**
 * Multipart bodies (`multipart/form-data`), with their exact length known before the first byte is
 * sent (so upload progress has a total and the server a Content-Length). Big files are streamed
 * from their Blob, never copied whole; small ones are read whole, a few ahead (see encodedParts).
 * The encoding follows the HTML standard: names and filenames escape `"`, CR and LF as `%22`,
 * `%0D`, `%0A`.
 */
import { UsageError } from '../errors';

const encoder = new TextEncoder();

export interface EncodedForm {
  readonly contentType: string;
  readonly length: number;
  /** Streams the encoded form; may be called again for a retry. */
  chunks(): AsyncGenerator<Uint8Array>;
}

/** Files up to this size are read whole, ahead of the socket; bigger Blobs are streamed. */
export const WHOLE_READ_LIMIT = 1024 * 1024;

/**
 * A file read whole, when the encoder comes to it, straight into the piece that will be sent: no
 * Blob, no buffer of its own, no copy. What Node's file sources give a bulk upload, where a
 * file-backed Blob per small file cost more CPU than the file's read. At most WHOLE_READ_LIMIT.
 */
export interface WholeFileReader {
  readonly size: number;
  /** Fills `target` (`size` bytes) or fails: by throwing, or by rejecting. */
  readInto(target: Uint8Array): void | Promise<void>;
}

export interface MultipartField {
  readonly name: string;
  readonly value: string;
}

export interface MultipartFile {
  readonly name: string;
  readonly filename: string;
  /** Sent as the part's Content-Type; default the Blob's type, else `application/octet-stream`. */
  readonly type?: string;
  readonly content: Blob | WholeFileReader;
}

export type MultipartEntry = MultipartField | MultipartFile;

const isFile = (entry: MultipartEntry): entry is MultipartFile => 'content' in entry;

/**
 * A multipart body of fields and files, in order. Unlike FormData it takes files that are not
 * Blobs (WholeFileReader), and says each file's name without wrapping its Blob in a new File.
 * Node encodes it as it goes; a browser sends it as the FormData it becomes.
 */
export class MultipartBody {
  readonly entries: readonly MultipartEntry[];

  constructor(entries: readonly MultipartEntry[]) {
    for (const entry of entries) {
      if (!isFile(entry) || entry.content instanceof Blob) continue;
      const { size } = entry.content;
      if (!Number.isSafeInteger(size) || size < 0 || size > WHOLE_READ_LIMIT)
        throw new UsageError(
          `"${entry.filename}": a file read whole must have 0 to ${WHOLE_READ_LIMIT} bytes, not ${size}`,
        );
    }
    this.entries = [...entries];
  }

  /** The same body as FormData (files read whole become Blobs), for a browser to send. */
  async toFormData(): Promise<FormData> {
    const form = new FormData();
    for (const entry of this.entries) {
      if (!isFile(entry)) {
        form.append(entry.name, entry.value);
        continue;
      }
      const { content } = entry;
      const type = entry.type || (content instanceof Blob ? content.type : '');
      let blob: Blob;
      if (content instanceof Blob) blob = content.type === type ? content : new Blob([content], { type });
      else {
        const bytes = new Uint8Array(content.size);
        await content.readInto(bytes);
        blob = new Blob([bytes], { type });
      }
      form.append(entry.name, blob, entry.filename);
    }
    return form;
  }
}

type Part = Uint8Array | Blob | WholeFileReader;

async function readWholeInto(part: Blob | WholeFileReader, target: Uint8Array): Promise<void> {
  if (!(part instanceof Blob)) return part.readInto(target);
  const bytes = new Uint8Array(await part.arrayBuffer());
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

/** FormData's entries as a MultipartBody's: a file keeps its own name (`blob` if it has none). */
function entriesOf(form: FormData): MultipartEntry[] {
  const entries: MultipartEntry[] = [];
  form.forEach((value, name) => {
    if (typeof value === 'string') entries.push({ name, value });
    else entries.push({ name, filename: (value as Partial<File>).name ?? 'blob', content: value });
  });
  return entries;
}

export function encodeForm(form: FormData | MultipartBody, boundary: string = randomBoundary()): EncodedForm {
  const parts: Part[] = [];
  const entries = form instanceof MultipartBody ? form.entries : entriesOf(form);
  for (const entry of entries) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(entry.name)}"`;
    if (!isFile(entry)) {
      parts.push(encoder.encode(`${head}\r\n\r\n`), encoder.encode(entry.value), encoder.encode('\r\n'));
      continue;
    }
    const type = entry.type || (entry.content instanceof Blob ? entry.content.type : '');
    head += `; filename="${escapeName(entry.filename)}"\r\nContent-Type: ${type || 'application/octet-stream'}`;
    parts.push(encoder.encode(`${head}\r\n\r\n`), entry.content, encoder.encode('\r\n'));
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const length = parts.reduce((sum, part) => sum + sizeOf(part), 0);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    chunks: () => encodedParts(parts),
  };
}

/** Small parts are sent together in pieces of about this size: fewer socket writes per file. */
const PIECE = 256 * 1024;
/** How far pieces are filled ahead of the socket: at most this many, and this many bytes. */
const AHEAD_PIECES = 8;
const AHEAD_BYTES = 8 * 1024 * 1024;

const sizeOf = (part: Part): number => (part instanceof Uint8Array ? part.byteLength : part.size);
/** Read whole into a piece: bytes, readers, Blobs up to WHOLE_READ_LIMIT. Bigger Blobs are streamed. */
const isSmall = (part: Part): boolean => !(part instanceof Blob) || part.size <= WHOLE_READ_LIMIT;

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
