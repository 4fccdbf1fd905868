import { defer } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../../errors';
import type { TransferTransport } from '../../transfer/http';
import type { TransferEvent } from '../../transfer/progress';
import { fromBytes, toBrowserSource, validateSources } from '../../transfer/source';
import type { BrowserUploadInput, UploadSource } from '../../transfer/source';
import type { ReadableLike, TransportRequest } from '../../transport/types';

/**
 * A file to upload. Everywhere: a File, `{ name, blob }`, `{ name, data }` (bytes) or an
 * `UploadSource`. In Node (with the Node platform, see `cvat-rx/node`): also a path,
 * `{ path, name }` and `{ name, stream, size }` (a Readable of a known size).
 */
export type UploadInput =
  | BrowserUploadInput
  | string
  | { readonly path: string; readonly name?: string }
  | { readonly name: string; readonly data: Uint8Array }
  | { readonly name: string; readonly stream: ReadableLike; readonly size: number; readonly type?: string };

/** A file written to disk by a download. */
export interface SavedFile {
  /** The absolute path of the written file. */
  readonly path: string;
  readonly size: number;
  readonly contentType: string | undefined;
}

/** Where a download is written: a file, or a folder and the server's file name. */
export type SaveDestination = { readonly path: string } | { readonly directory: string };

/**
 * What differs between browsers and Node for transfers: how inputs become sources, and whether
 * (and how) a download can be written to a path. Browser-safe code only sees this interface; the
 * Node implementation lives in `src/node/platform.ts` and is handed in through the client.
 */
export interface TransferPlatform {
  /** Inputs → validated sources, as a cold Observable (UsageError before any request). */
  resolveSources(inputs: readonly UploadInput[]): Observable<readonly UploadSource[]>;
  /**
   * Checks a download's destination before the server is asked to do any work, creating missing
   * parent folders: a path that is a folder (or ends with a separator) becomes a folder target,
   * an existing file without `overwrite` is a UsageError.
   */
  prepareSave?(path: string, options: { readonly overwrite?: boolean }): Observable<SaveDestination>;
  /**
   * Streams a response to a prepared destination (temporary file renamed on success, removed on
   * failure); in a folder, under the name the server proposes (Content-Disposition).
   */
  saveToPath?(
    transport: TransferTransport,
    request: TransportRequest,
    destination: SaveDestination,
    options: { readonly overwrite?: boolean },
  ): Observable<TransferEvent<SavedFile>>;
  /** Writes bytes already in memory to a file, atomically. */
  writeFile?(
    path: string,
    data: Uint8Array,
    options: { readonly overwrite?: boolean },
  ): Observable<SavedFile>;
  /** Reads a whole (small) file; `undefined` when it does not exist. */
  readFile?(path: string): Observable<Uint8Array | undefined>;
  /** Removes a folder and everything in it (nothing when it does not exist). */
  removeDirectory?(path: string): Observable<void>;
  /** Joins a folder and a file name. */
  joinPath?(directory: string, name: string): string;
  /** Creates a folder and its missing parents (nothing when it exists). */
  makeDirectory?(path: string): Observable<void>;
  /**
   * Re-encodes an image into the format an extension names (`.png`, `.jpg`); `undefined` when
   * this platform cannot convert between the two.
   */
  convertImage?(data: Uint8Array, extension: string): Uint8Array | undefined;
  /** Decodes an encoded image (PNG, JPEG, …) to RGBA pixels (auto-annotation's default decoder). */
  decodeImage?(
    data: Uint8Array,
    mediaType: string,
  ): Promise<{ readonly width: number; readonly height: number; readonly data: Uint8Array }>;
}

/** Anything that may carry a platform (a client context; the browser platform when it does not). */
export interface PlatformCarrier {
  readonly platform?: TransferPlatform;
}

const NODE_HINT =
  "file paths and streams need the Node platform: make the client with makeNodeClient from 'cvat-rx/node' " +
  "(or pass config.platform: nodePlatform from 'cvat-rx/node')";

function isPathInput(
  input: UploadInput,
): input is string | { readonly path: string; readonly name?: string } {
  return typeof input === 'string' || ('path' in input && typeof input.path === 'string');
}

/** The browser platform: Files, Blobs and bytes; no file system. */
export const browserPlatform: TransferPlatform = {
  resolveSources: (inputs) =>
    defer(async () =>
      validateSources(
        inputs.map((input) => {
          if (isPathInput(input)) throw new UsageError(`Cannot read "${describe(input)}": ${NODE_HINT}`);
          // A File or Blob has a stream() method: take it as a Blob before looking for `stream`.
          if (typeof Blob !== 'undefined' && input instanceof Blob) return toBrowserSource(input);
          if ('stream' in input) throw new UsageError(`Cannot read the stream "${input.name}": ${NODE_HINT}`);
          if ('data' in input) {
            if (!(input.data instanceof Uint8Array))
              throw new UsageError(`"${input.name}": data must be a Uint8Array`);
            return fromBytes(input.data, input.name);
          }
          return toBrowserSource(input);
        }),
      ),
    ),
};

function describe(input: string | { readonly path: string }): string {
  return typeof input === 'string' ? input : input.path;
}

export function platformOf(ctx: PlatformCarrier): TransferPlatform {
  return ctx.platform ?? browserPlatform;
}

/** The context platform's way to save to a path; a UsageError explaining how to get one when it has none. */
export function savingOf(
  ctx: PlatformCarrier,
): Required<Pick<TransferPlatform, 'prepareSave' | 'saveToPath'>> {
  const { prepareSave, saveToPath } = platformOf(ctx);
  if (prepareSave && saveToPath) return { prepareSave, saveToPath };
  throw new UsageError(`Cannot save to a path: ${NODE_HINT}`);
}
