import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  openAsBlob,
  openSync,
  readSync,
  statSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { defer } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import { fromBlob, fromBytes, isUploadSource, validateSources } from '../transfer/source';
import type { UploadSource } from '../transfer/source';

/**
 * What Node code can upload: a file path; `{ path, name }` to store it under another (relative)
 * name; `{ name, data }` bytes in memory; `{ name, stream, size }` a one-shot stream of a known
 * size; a File, `{ name, blob }`, or any `UploadSource`.
 */
export type NodeUploadInput =
  | string
  | { readonly path: string; readonly name?: string }
  | { readonly name: string; readonly data: Uint8Array }
  | { readonly name: string; readonly stream: Readable; readonly size: number; readonly type?: string }
  | { readonly name: string; readonly blob: Blob }
  | File
  | UploadSource;

/**
 * A file on disk as a source: its size is read now (a missing, unreadable or non-regular file is
 * a UsageError); its bytes are read lazily: ranges as file streams, the whole file as a
 * file-backed Blob, or (a bulk upload's small files) straight into the piece of the request that
 * will carry it. A file changed after this call fails to read instead of sending mixed data.
 */
export async function fromPath(path: string, name: string = basename(path)): Promise<UploadSource> {
  let chosen: Stats;
  try {
    chosen = checkedFile(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot upload "${path}": ${describeFsError(error)}`, { cause: error });
  }
  return {
    name,
    size: chosen.size,
    seekable: true,
    identity: `path:${resolve(path)}|${chosen.size}|${chosen.mtimeMs}`,
    // A File under the stored name; a multipart request streams it (files over 1 MiB).
    blob: async () => {
      checkUnchanged(path, chosen, statSync(path));
      return new File([await openAsBlob(path)], name);
    },
    // A small file of a multipart request: no Blob (openAsBlob, File) per file, which cost more
    // CPU than the read (5,000 files of 64 KiB: bench/README.md, ninth round).
    readInto: (target) => readFileInto(path, chosen, target),
    // Ranges are streamed straight from the file (what TUS chunks use).
    open: (start = 0, end = chosen.size) => openFileRange(path, chosen, start, end),
  };
}

/**
 * A path's Stats once it is known to be a readable regular file. Synchronous: two system calls
 * cost less than two trips through the thread pool, which for a bulk upload's 5,000 files took
 * 135–251 ms (bench/README.md, ninth round). resolveNodeSources bounds how long it holds the
 * event loop for many files.
 */
function checkedFile(path: string): Stats {
  const info = statSync(path);
  if (info.isDirectory()) throw new UsageError(`Cannot upload "${path}": it is a directory`);
  if (!info.isFile()) throw new UsageError(`Cannot upload "${path}": not a regular file`);
  accessSync(path, constants.R_OK);
  return info;
}

/**
 * File reads of 512 KiB, the piece the transport hands the socket for big bodies (node-body.ts):
 * fewer read and write system calls per MiB. Against 64 KiB reads and pieces this took the
 * uploading process's CPU for 256 MiB from 559–719 ms to 312–375 ms (bench/README.md).
 */
const FILE_READ_SIZE = 512 * 1024;

/**
 * The bytes `[start, end)` of a file as a stream. The file is checked first: one whose size or
 * modification time changed since it was chosen is an error, not a mix of old and new bytes (a
 * file cut short while it is read ends the stream early, which the transport reports).
 */
async function openFileRange(path: string, chosen: Stats, start: number, end: number): Promise<Readable> {
  const handle = await open(path, 'r');
  try {
    checkUnchanged(path, chosen, await handle.stat());
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (end <= start) {
    await handle.close();
    return Readable.from([]);
  }
  return handle.createReadStream({ start, end: end - 1, highWaterMark: FILE_READ_SIZE });
}

const changed = (chosen: Stats, now: Stats): boolean =>
  now.size !== chosen.size || now.mtimeMs !== chosen.mtimeMs;
const changedError = (path: string): UsageError =>
  new UsageError(`"${path}" changed after it was chosen for upload`);

function checkUnchanged(path: string, chosen: Stats, now: Stats): void {
  if (changed(chosen, now)) throw changedError(path);
}

/**
 * A whole (small) file read into `target` (its chosen size), checked like openFileRange.
 * Synchronous: the multipart encoder reads only files of at most 1 MiB whole, one piece of about
 * 256 KiB at a time, and for a bulk upload's 5,000 files of 64 KiB four trips through the thread
 * pool per file (open, fstat, read, close) took 555–721 ms of CPU against 128–133 ms
 * (bench/README.md, seventh round). The event loop waits while a piece's files are read: about
 * 256 KiB, eight pieces when a form starts.
 */
function readFileInto(path: string, chosen: Stats, target: Uint8Array): void {
  const fd = openSync(path, 'r');
  try {
    if (changed(chosen, fstatSync(fd)) || target.byteLength !== chosen.size) throw changedError(path);
    for (let at = 0; at < target.byteLength;) {
      const bytesRead = readSync(fd, target, at, target.byteLength - at, at);
      if (bytesRead === 0) throw new UsageError(`"${path}" was cut short while it was read`);
      at += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A one-shot Node stream of a known size. It is read forwards only, each requested range
 * buffered in memory (at most a TUS chunk and a little more), so it always goes by TUS and a
 * failed chunk can be resumed from any offset within the last range read, but not before it.
 * A stream that ends early is an error; bytes beyond `size` are not read.
 */
export function fromReadable(
  stream: Readable,
  options: { name: string; size: number; type?: string },
): UploadSource {
  const { name, size } = options;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  // The bytes [bufferStart, bufferStart + buffer.length) read from the stream and still held.
  let buffer: Buffer = Buffer.alloc(0);
  let bufferStart = 0;

  const open = async (start = 0, end = size): Promise<Uint8Array> => {
    if (start < bufferStart) {
      throw new UsageError(
        `"${name}" is a one-shot stream: cannot go back to byte ${start} (at ${bufferStart})`,
      );
    }
    const parts: Buffer[] = [buffer];
    let held = buffer.length;
    while (bufferStart + held < end) {
      const next = await iterator.next();
      if (next.done) {
        throw new UsageError(`"${name}" ended after ${bufferStart + held} bytes; ${size} were announced`);
      }
      const value: unknown = next.value;
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
        throw new UsageError(`"${name}" is an object-mode stream; bytes are needed`);
      }
      const chunk =
        typeof value === 'string'
          ? Buffer.from(value)
          : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      parts.push(chunk);
      held += chunk.length;
    }
    // One concatenation per range, not one per stream chunk.
    if (parts.length > 1) buffer = Buffer.concat(parts, held);
    // Drop what precedes the requested range; keep the range itself for a resume within it.
    buffer = buffer.subarray(start - bufferStart);
    bufferStart = start;
    return Uint8Array.prototype.slice.call(buffer, 0, end - start);
  };

  return { name, size, ...(options.type ? { type: options.type } : {}), seekable: false, open };
}

/** Turns one Node input into a source (rejects with UsageError on bad input). */
export async function toNodeSource(input: NodeUploadInput): Promise<UploadSource> {
  if (typeof input === 'string') return fromPath(input);
  if (isUploadSource(input)) return input;
  if (input instanceof Blob) {
    if ('name' in input && typeof input.name === 'string' && input.name !== '')
      return fromBlob(input, input.name);
    throw new UsageError('A Blob needs a name: pass { name, blob }');
  }
  if ('path' in input) return fromPath(input.path, input.name);
  if ('data' in input) {
    if (!(input.data instanceof Uint8Array))
      throw new UsageError(`"${input.name}": data must be a Buffer or Uint8Array`);
    return fromBytes(input.data, input.name);
  }
  if ('stream' in input) {
    if (!Number.isSafeInteger(input.size) || input.size < 0) {
      throw new UsageError(`"${input.name}": a stream needs its size in bytes`);
    }
    return fromReadable(input.stream, input);
  }
  if ('blob' in input && input.blob instanceof Blob) return fromBlob(input.blob, input.name);
  throw new UsageError('Unsupported upload input');
}

/**
 * Node inputs → validated sources, as a cold Observable: every file is checked (exists, is a
 * regular readable file) and names are unique, before any request is made.
 */
export function resolveNodeSources(inputs: readonly NodeUploadInput[]): Observable<readonly UploadSource[]> {
  return defer(async () => {
    const sources: UploadSource[] = [];
    let turnStarted = performance.now();
    for (const input of inputs) {
      sources.push(await toNodeSource(input));
      // Files are checked synchronously (checkedFile): let other work run every few milliseconds.
      if (performance.now() - turnStarted >= CHECKS_PER_TURN_MS) {
        await nextTurn();
        turnStarted = performance.now();
      }
    }
    return validateSources(sources);
  });
}

/** How long resolveNodeSources checks files before it lets the event loop run other work. */
const CHECKS_PER_TURN_MS = 4;

function describeFsError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    default:
      return code || 'cannot read it';
  }
}
