import { existsSync } from 'node:fs';
import { link, mkdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { defer, map } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { TransferPlatform, UploadInput } from '../entities/operations/platform';
import { validateSources } from '../transfer/source';
import { prepareDestination } from './destination';
import { downloadToFile } from './download-to-file';
import { convertImage } from './image-convert';
import { decodeImage } from './image-decoder';
import { toNodeSource } from './sources';
import { tempPathFor } from './temp-name';
import type { NodeUploadInput } from './sources';

/** An UploadInput as Node reads it: a stream must be a real Readable. */
function toNodeInput(input: UploadInput): NodeUploadInput {
  // A File or Blob has a stream() method too; it is not a `{ name, stream, size }` input.
  if (typeof input === 'object' && !(input instanceof Blob) && 'stream' in input) {
    if (!(input.stream instanceof Readable))
      throw new UsageError(`"${input.name}": stream must be a Node Readable`);
    const { stream, ...rest } = input;
    return { ...rest, stream };
  }
  return input;
}

/** Writes bytes through a temporary file renamed into place; never replaces a file unless asked. */
async function writeAtomically(
  path: string,
  data: Uint8Array,
  overwrite: boolean,
): Promise<{ path: string; size: number }> {
  const final = resolve(path);
  const directory = dirname(final);
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory())
    throw new UsageError(`Cannot write into "${directory}": not an existing directory`);
  if (!overwrite && existsSync(final))
    throw new UsageError(`"${final}" already exists; pass overwrite: true to replace it`);
  const temp = tempPathFor(final);
  try {
    await writeFile(temp, data, { flag: 'wx' });
    if (overwrite) {
      await rename(temp, final);
    } else {
      // link() fails when the target appeared meanwhile: no window between check and write.
      await link(temp, final).catch((error: unknown) => {
        const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
        if (code === 'EEXIST')
          throw new UsageError(`"${final}" already exists; pass overwrite: true to replace it`);
        throw error;
      });
      await unlink(temp);
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error instanceof UsageError ? error : new UsageError(`Cannot write "${final}"`, { cause: error });
  }
  return { path: final, size: data.byteLength };
}

/**
 * The Node platform: uploads from paths, Buffers and streams (`src/node/sources.ts`), downloads
 * streamed to disk through a temporary file (`downloadToFile`), frames written atomically.
 */
export const nodePlatform: TransferPlatform = {
  resolveSources: (inputs) =>
    defer(async () =>
      validateSources(await Promise.all(inputs.map((input) => toNodeSource(toNodeInput(input))))),
    ),
  prepareSave: (path, options) => defer(() => prepareDestination(path, options)),
  saveToPath: (transport, request, destination, options) =>
    downloadToFile(transport, request, {
      ...destination,
      ...(options.overwrite === undefined ? {} : { overwrite: options.overwrite }),
    }),
  writeFile: (path, data, options): Observable<{ path: string; size: number; contentType: undefined }> =>
    defer(() => writeAtomically(path, data, options.overwrite === true)).pipe(
      map((saved) => ({ ...saved, contentType: undefined })),
    ),
  joinPath: (directory, name) => join(directory, name),
  makeDirectory: (path) =>
    defer(async () => {
      await mkdir(path, { recursive: true }).catch((error: unknown) => {
        throw new UsageError(`Cannot create the folder "${path}"`, { cause: error });
      });
    }),
  convertImage,
  decodeImage,
};
