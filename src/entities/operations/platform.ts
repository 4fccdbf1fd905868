import { defer } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../../errors';
import type { TransferTransport } from '../../transfer/http';
import type { TransferEvent } from '../../transfer/progress';
import { fromBytes, toBrowserSource, validateSources } from '../../transfer/source';
import type { BrowserUploadInput, UploadSource } from '../../transfer/source';
import type { ReadableLike, TransportRequest } from '../../transport/types';
import type { ClientContext } from '../context';

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

/**
 * What differs between browsers and Node for transfers: how inputs become sources, and whether
 * (and how) a download can be written to a path. Browser-safe code only sees this interface; the
 * Node implementation lives in `src/node/platform.ts` and is handed in through the client.
 */
export interface TransferPlatform {
  /** Inputs → validated sources, as a cold Observable (UsageError before any request). */
  resolveSources(inputs: readonly UploadInput[]): Observable<readonly UploadSource[]>;
  /** Streams a response to a file (temporary file renamed on success, removed on failure). */
  saveToPath?(
    transport: TransferTransport,
    request: TransportRequest,
    path: string,
    options: { readonly overwrite?: boolean },
  ): Observable<TransferEvent<SavedFile>>;
  /** Writes bytes already in memory to a file, atomically. */
  writeFile?(
    path: string,
    data: Uint8Array,
    options: { readonly overwrite?: boolean },
  ): Observable<SavedFile>;
  /** Joins a folder and a file name. */
  joinPath?(directory: string, name: string): string;
  /** Decodes an encoded image (PNG, JPEG, …) to RGBA pixels (auto-annotation's default decoder). */
  decodeImage?(
    data: Uint8Array,
    mediaType: string,
  ): Promise<{ readonly width: number; readonly height: number; readonly data: Uint8Array }>;
}

/** A ClientContext that may carry a platform (the browser platform when it does not). */
export type OperationsContext = ClientContext & { readonly platform?: TransferPlatform };

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

export function platformOf(ctx: OperationsContext): TransferPlatform {
  return ctx.platform ?? browserPlatform;
}

/** The context platform's save-to-path; a UsageError explaining how to get one when it has none. */
export function saveToPathOf(ctx: OperationsContext): NonNullable<TransferPlatform['saveToPath']> {
  const save = platformOf(ctx).saveToPath;
  if (save) return save;
  throw new UsageError(`Cannot save to a path: ${NODE_HINT}`);
}
