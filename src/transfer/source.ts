import { Observable, defer } from 'rxjs';
import { UsageError } from '../errors';
import { destroyBody } from '../transport/body';
import type { RequestBody } from '../transport/types';

/**
 * One file to upload. Sources are opened lazily, a range at a time, so a file is never read
 * whole into memory (browsers: Blob slices; Node: file-backed Blobs or chunked streams).
 */
export interface UploadSource {
  /** The name the server stores; may be a relative path such as `cats/cat_1.jpg`. */
  readonly name: string;
  /** Size in bytes, known before anything is sent. */
  readonly size: number;
  /** A MIME type, when known (sent as TUS `filetype` metadata). */
  readonly type?: string;
  /**
   * What tells this file from another across processes, for resumable uploads: a path, size and
   * modification time, or a File's name, size and lastModified. Default: name and size.
   */
  readonly identity?: string;
  /**
   * Whether `open` accepts any range any number of times. One-shot sources (Node streams) are
   * read forwards only: a failed TUS chunk can still be resumed within the chunk they buffer.
   */
  readonly seekable: boolean;
  /** The bytes `[start, end)` (default: all of them) as a request body. */
  open(start?: number, end?: number): Promise<RequestBody>;
  /** The whole content as a Blob, for multipart requests. Only seekable sources have it. */
  blob?(): Promise<Blob>;
  /**
   * Reads the whole content into `target` (`size` bytes) or fails, for multipart requests: what a
   * bulk upload uses instead of `blob()` for files up to 1 MiB, where making a Blob per file costs
   * more than reading it (Node's file sources have it). Sources with it have `blob()` too.
   */
  readInto?(target: Uint8Array): void | Promise<void>;
}

/** Inputs a browser can upload: Files, named Blobs and ready-made sources. */
export type BrowserUploadInput = File | NamedBlob | UploadSource;

export interface NamedBlob {
  readonly name: string;
  readonly blob: Blob;
}

export function isUploadSource(value: unknown): value is UploadSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    'open' in value &&
    typeof value.open === 'function' &&
    'name' in value &&
    typeof value.name === 'string' &&
    'size' in value &&
    typeof value.size === 'number'
  );
}

/** A source over a Blob or File; slices share the Blob's storage, nothing is copied. */
export function fromBlob(blob: Blob, name: string = blobName(blob)): UploadSource {
  const modified =
    'lastModified' in blob && typeof blob.lastModified === 'number' ? blob.lastModified : undefined;
  return {
    name,
    size: blob.size,
    ...(modified === undefined ? {} : { identity: `file:${name}|${blob.size}|${modified}` }),
    ...(blob.type ? { type: blob.type } : {}),
    seekable: true,
    open: (start = 0, end = blob.size) =>
      Promise.resolve(start === 0 && end === blob.size ? blob : blob.slice(start, end)),
    blob: () => Promise.resolve(blob),
  };
}

/** A source over bytes already in memory (a Node Buffer is a Uint8Array). */
export function fromBytes(bytes: Uint8Array | ArrayBuffer, name: string, type?: string): UploadSource {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    name,
    size: view.byteLength,
    ...(type ? { type } : {}),
    seekable: true,
    open: (start = 0, end = view.byteLength) => Promise.resolve(view.subarray(start, end)),
    // A multipart request needs a Blob; this copies, but only while that request is in flight.
    blob: () => Promise.resolve(new Blob([copyOf(view)], type ? { type } : {})),
  };
}

/** A copy on a plain ArrayBuffer (a Blob part may not be a view of shared memory). */
function copyOf(view: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(view.byteLength);
  new Uint8Array(copy).set(view);
  return copy;
}

function blobName(blob: Blob): string {
  if ('name' in blob && typeof blob.name === 'string' && blob.name !== '') return blob.name;
  throw new UsageError('A Blob needs a name: pass { name, blob } or a File');
}

/**
 * `source.open(start, end)` as an Observable. A body that arrives after the subscriber left (a
 * file stream, opened while the upload was cancelled) is destroyed, so that its file is closed.
 */
export function openRange(source: UploadSource, start: number, end: number): Observable<RequestBody> {
  return new Observable<RequestBody>((subscriber) => {
    source.open(start, end).then(
      (body) => {
        if (subscriber.closed) return destroyBody(body);
        subscriber.next(body);
        subscriber.complete();
      },
      (error: unknown) => subscriber.error(error),
    );
  });
}

/** Turns a browser input into a source (throws UsageError; call inside `defer`). */
export function toBrowserSource(input: BrowserUploadInput): UploadSource {
  if (isUploadSource(input)) return input;
  if (typeof Blob !== 'undefined' && input instanceof Blob) return fromBlob(input);
  if ('blob' in input && typeof Blob !== 'undefined' && input.blob instanceof Blob)
    return fromBlob(input.blob, input.name);
  throw new UsageError('Unsupported upload input: expected a File, { name, blob } or an UploadSource');
}

/**
 * Checks a set of sources before anything is sent: at least one, sane names, no two with one
 * name (the server would append them into one file).
 */
export function validateSources(sources: readonly UploadSource[]): readonly UploadSource[] {
  if (sources.length === 0) throw new UsageError('No files to upload');
  const seen = new Set<string>();
  for (const source of sources) {
    checkName(source.name);
    if (!Number.isSafeInteger(source.size) || source.size < 0) {
      throw new UsageError(`Invalid size ${String(source.size)} for file "${source.name}"`);
    }
    if (seen.has(source.name))
      throw new UsageError(`Two files are named "${source.name}"; names must be unique`);
    seen.add(source.name);
  }
  return sources;
}

function checkName(name: string): void {
  const problem =
    name === ''
      ? 'is empty'
      : name.includes('\0')
        ? 'contains NUL'
        : name.includes('\\')
          ? 'contains a backslash'
          : name.startsWith('/')
            ? 'is absolute'
            : name.split('/').some((part) => part === '..' || part === '.' || part === '')
              ? 'has an empty, "." or ".." segment'
              : undefined;
  if (problem) throw new UsageError(`File name "${name.replace(/\0/g, '\\0')}" ${problem}`);
}

/** Browser inputs → validated sources, as a cold Observable (UsageError before any request). */
export function resolveSources(inputs: readonly BrowserUploadInput[]): Observable<readonly UploadSource[]> {
  return defer(async () => validateSources(inputs.map(toBrowserSource)));
}
