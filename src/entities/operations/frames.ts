import { defer, from, map, mergeMap, retry, switchMap, throwError, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { ApiError, DecodeError, UsageError } from '../../errors';
import { DataMetaRead } from '../../models';
import { header } from '../../transfer/http';
import type { QueryParams } from '../../transport/types';
import type { ClientContext } from '../context';
import { requestDecoded } from '../resource';
import type { OperationsContext } from '../context';
import type { SavedFile, TransferPlatform } from './platform';
import { platformOf } from './platform';
import { MIN_FRAMES_FOR_CHUNKS, taskFramesByChunk } from './chunked-frames';

export type MediaResource = 'tasks' | 'jobs';
export type FrameQuality = 'original' | 'compressed';

export interface DataOptions {
  /** `original` or `compressed` (the server's default when absent). */
  readonly quality?: FrameQuality;
  /**
   * How many 429 answers (a chunk not ready yet, CVAT ≥ 2.23) are waited out, each for the
   * `Retry-After` the server asked (default 1 s when absent, at most the transport's `maxDelayMs`).
   * Default 30.
   */
  readonly maxNotReadyRetries?: number;
}

export interface FramesOptions extends DataOptions {
  /** Requests at once (default 4, as CVAT's TaskDataset uses 4 threads). */
  readonly concurrency?: number;
  /**
   * Task frames only: read a whole chunk, in one request, wherever at least half of its frames
   * are asked for (image tasks; the same bytes as the frame endpoint). Default true; false sends
   * one request per frame.
   */
  readonly readChunks?: boolean;
}

/** One downloaded frame. */
export interface FrameData {
  readonly frame: number;
  readonly data: Uint8Array;
  /** The server's Content-Type, e.g. `image/jpeg`. */
  readonly contentType: string | undefined;
}

export interface DownloadFramesOptions extends FramesOptions {
  /**
   * The file name of each frame: `{frame}` is the number, `{frame:06d}` zero-padded to 6 digits,
   * `{ext}` the extension from the Content-Type (`.jpg`, `.png`, …). Default `frame_{frame:06d}{ext}`
   * (CVAT's SDK default).
   */
  readonly pattern?: string;
  /** Replace existing files (default false). */
  readonly overwrite?: boolean;
  /**
   * Save every frame in this format (`png`, `jpg`), converting those the server sent in another
   * one, as cvat-sdk's `image_extension`; `{ext}` in the pattern becomes it. Default: as sent.
   */
  readonly imageExtension?: string;
}

const DEFAULT_NOT_READY_RETRIES = 30;

/** Bytes of a binary response body (axios gives a Buffer in Node and an ArrayBuffer in browsers). */
function toBytes(body: unknown, operationId: string): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new DecodeError({ codecName: 'binary', issues: ['<root>: expected bytes'], operationId });
}

function checkId(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new UsageError(`${name} must be an integer >= 0, got ${value}`);
}

/**
 * A binary GET of media data. A 429 (the chunk is being prepared) is waited out for its
 * `Retry-After`, up to `maxNotReadyRetries` times; other errors pass through.
 */
function getBinary(
  ctx: ClientContext,
  url: string,
  query: QueryParams,
  operationId: string,
  maxNotReadyRetries = DEFAULT_NOT_READY_RETRIES,
): Observable<{ readonly data: Uint8Array; readonly contentType: string | undefined }> {
  return defer(() =>
    ctx.transport.request({
      method: 'GET',
      url,
      query,
      responseType: 'arraybuffer',
      operationId,
    }),
  ).pipe(
    // The transport retries a 429 a few times itself; a chunk still not ready after that is waited for here.
    retry({
      count: maxNotReadyRetries,
      delay: (error: unknown) => {
        if (!(error instanceof ApiError) || error.status !== 429) return throwError(() => error);
        return timer(Math.min(ctx.transport.configuration.retry.maxDelayMs, error.retryAfterMs ?? 1000));
      },
    }),
    map((response) => ({
      data: toBytes(response.body, operationId),
      contentType: header(response.headers, 'content-type'),
    })),
  );
}

function dataUrl(kind: MediaResource, id: number): string {
  return `/api/${kind}/${id}/data`;
}

function qualityOf(options: DataOptions | undefined): QueryParams {
  const quality = options?.quality;
  if (quality !== undefined && quality !== 'original' && quality !== 'compressed') {
    throw new UsageError(`quality must be "original" or "compressed", got ${String(quality)}`);
  }
  return quality === undefined ? {} : { quality };
}

/** One frame with its content type (`GET /api/{tasks|jobs}/{id}/data?type=frame&number=N`). */
export function frameData(
  ctx: ClientContext,
  kind: MediaResource,
  id: number,
  frame: number,
  options?: DataOptions,
): Observable<FrameData> {
  return defer(() => {
    checkId('frame', frame);
    return getBinary(
      ctx,
      dataUrl(kind, id),
      { type: 'frame', number: frame, ...qualityOf(options) },
      `${kind}_retrieve_data`,
      options?.maxNotReadyRetries,
    );
  }).pipe(map((result) => ({ frame, ...result })));
}

/** One frame's bytes. */
export function frame(
  ctx: ClientContext,
  kind: MediaResource,
  id: number,
  n: number,
  options?: DataOptions,
): Observable<Uint8Array> {
  return frameData(ctx, kind, id, n, options).pipe(map((result) => result.data));
}

/**
 * Several frames, `concurrency` at a time, each emitted as it arrives (`{ frame, data }`; not
 * necessarily in the order asked). The first error stops the others.
 */
export function frames(
  ctx: ClientContext,
  kind: MediaResource,
  id: number,
  ids: Iterable<number>,
  options?: FramesOptions,
): Observable<FrameData> {
  return defer(() => {
    const list = [...ids];
    list.forEach((n) => checkId('frame', n));
    const concurrency = options?.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`Invalid concurrency ${concurrency}`);
    const single = (n: number): Observable<FrameData> => frameData(ctx, kind, id, n, options);
    if (kind === 'tasks' && options?.readChunks !== false && list.length >= MIN_FRAMES_FOR_CHUNKS) {
      return taskFramesByChunk(ctx, id, list, options?.quality, concurrency, {
        frame: single,
        chunk: (index) => chunk(ctx, kind, id, index, options),
      });
    }
    return from(list).pipe(mergeMap(single, concurrency));
  });
}

/**
 * One chunk's bytes (a zip of frames or a video segment). Tasks number chunks from 0 over the task
 * (`number=K`); jobs from 0 within the job (`index=K`). A chunk not ready yet (429) is waited for.
 */
export function chunk(
  ctx: ClientContext,
  kind: MediaResource,
  id: number,
  index: number,
  options?: DataOptions,
): Observable<Uint8Array> {
  return defer(() => {
    checkId('chunk', index);
    return getBinary(
      ctx,
      dataUrl(kind, id),
      { type: 'chunk', [kind === 'jobs' ? 'index' : 'number']: index, ...qualityOf(options) },
      `${kind}_retrieve_data`,
      options?.maxNotReadyRetries,
    );
  }).pipe(map((result) => result.data));
}

/** The preview image (`GET /api/{tasks|jobs|projects|cloudstorages}/{id}/preview`); 404 when there is none. */
export function preview(
  ctx: ClientContext,
  kind: MediaResource | 'projects' | 'cloudstorages',
  id: number,
): Observable<Uint8Array> {
  return getBinary(ctx, `/api/${kind}/${id}/preview`, {}, `${kind}_retrieve_preview`).pipe(
    map((result) => result.data),
  );
}

/** The media meta data (`GET /api/{tasks|jobs}/{id}/data/meta`). */
export function meta(ctx: ClientContext, kind: MediaResource, id: number): Observable<DataMetaRead> {
  return requestDecoded(
    ctx,
    { method: 'GET', url: `${dataUrl(kind, id)}/meta`, operationId: `${kind}_retrieve_data_meta` },
    DataMetaRead,
  );
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/jpg': '.jpg',
  'image/pjpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/bmp': '.bmp',
  'image/webp': '.webp',
  'image/tiff': '.tif',
};

/** The file extension for a Content-Type (CVAT's SDK: `.jpg` when unknown). */
export function extensionOf(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return EXTENSIONS[type] ?? '.jpg';
}

/** A frame's file name from a pattern (`{frame}`, `{frame:0Nd}`, `{ext}`). */
export function frameFilename(pattern: string, frameNumber: number, ext: string): string {
  const name = pattern.replace(
    /\{(frame|ext)(?::0?(\d+)d)?\}/g,
    (_all, key: string, width: string | undefined) =>
      key === 'ext' ? ext : width ? String(frameNumber).padStart(Number(width), '0') : String(frameNumber),
  );
  if (name === '' || /[/\\]/.test(name) || name === '.' || name === '..') {
    throw new UsageError(`The pattern "${pattern}" gives an invalid file name "${name}"`);
  }
  return name;
}

/** The extension written for `imageExtension` (`png`, `.jpg`, …), normalised to `.ext`. */
function normaliseExtension(extension: string): string {
  const ext = extension.trim().replace(/^\./, '');
  if (ext === '' || /[^A-Za-z0-9]/.test(ext)) throw new UsageError(`Invalid image extension "${extension}"`);
  return `.${ext.toLowerCase()}`;
}

/** The frame's bytes in the format `extension` names (same format: untouched). */
function encodeAs(
  convert: TransferPlatform['convertImage'],
  item: FrameData,
  extension: string | undefined,
): Uint8Array {
  if (extension === undefined || extensionOf(item.contentType) === extension) return item.data;
  const converted = convert?.(item.data, extension);
  if (converted === undefined) {
    throw new UsageError(
      `Cannot save frame ${item.frame} (${item.contentType ?? 'unknown type'}) as ${extension}: ` +
        'only PNG and JPEG are converted, on the Node platform',
    );
  }
  return converted;
}

/**
 * Downloads frames into a folder (Node platform), created with its parents when missing,
 * `concurrency` at a time, each written atomically; emits one SavedFile per frame as it is written.
 * With `imageExtension`, frames are saved in that format (converted when the server sent another).
 */
export function downloadFrames(
  ctx: OperationsContext,
  kind: MediaResource,
  id: number,
  ids: Iterable<number>,
  outdir: string,
  options?: DownloadFramesOptions,
): Observable<SavedFile & { readonly frame: number }> {
  return defer(() => {
    const platform = platformOf(ctx);
    const write = platform.writeFile;
    const join = platform.joinPath;
    const makeDirectory = platform.makeDirectory;
    if (!write || !join || !makeDirectory) {
      throw new UsageError(
        "Writing frames to a folder needs the Node platform (makeNodeClient from 'cvat-rx/node')",
      );
    }
    if (typeof outdir !== 'string' || outdir === '') throw new UsageError('downloadFrames needs a folder');
    const pattern = options?.pattern ?? 'frame_{frame:06d}{ext}';
    frameFilename(pattern, 0, '.jpg');
    const extension =
      options?.imageExtension === undefined ? undefined : normaliseExtension(options.imageExtension);
    return makeDirectory(outdir).pipe(
      switchMap(() => frames(ctx, kind, id, ids, options)),
      mergeMap((item) => {
        const ext = extension ?? extensionOf(item.contentType);
        return write(
          join(outdir, frameFilename(pattern, item.frame, ext)),
          encodeAs(platform.convertImage, item, extension),
          {
            overwrite: options?.overwrite === true,
          },
        ).pipe(map((saved) => ({ ...saved, frame: item.frame })));
      }),
    );
  });
}
