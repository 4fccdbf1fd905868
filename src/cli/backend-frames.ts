import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { concat, concatMap, defer, from, map, of, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { ApiError, UsageError } from '../errors';
import { header } from '../transfer/http';
import type { ApiResponse } from '../transport/types';
import type { DownloadFramesArgs, SavedFiles, TransferEvent } from './backend';
import { result } from './backend-transfers';

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': '.jpg',
  'image/jpg': '.jpg',
  'image/png': '.png',
  'image/bmp': '.bmp',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/tiff': '.tif',
};

/** The file extension of a frame from its MIME type (cvat-cli: `.jpe`/`.jpeg` → `.jpg`). */
export function frameExtension(contentType: string | undefined): string {
  const mime = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const known = EXTENSIONS[mime];
  if (known) return known;
  const subtype = /^image\/([a-z0-9]+)$/.exec(mime)?.[1];
  return subtype ? `.${subtype}` : '.jpg';
}

function bytesOf(response: ApiResponse): Uint8Array {
  const body = response.body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new ApiError({
    status: response.status,
    method: response.method,
    url: response.url,
    body: { detail: 'expected image bytes' },
    headers: response.headers,
    operationId: 'tasks_retrieve_data',
  });
}

/**
 * Writes a file through a temporary name renamed into place, so an interrupted command leaves no
 * partial file. Synchronous: an unsubscribe cannot land between the write and the rename.
 */
function writeAtomically(path: string, data: Uint8Array): void {
  const temp = `${path}.${randomUUID()}.part`;
  try {
    writeFileSync(temp, data, { flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new UsageError(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/**
 * `task frames`: one `GET /api/tasks/{id}/data?type=frame` per frame, in order, each saved as
 * `task_<id>_frame_<NNNNNN><ext>`. Progress counts frames.
 */
export function downloadFrames(
  client: CvatClient,
  args: DownloadFramesArgs,
): Observable<TransferEvent<SavedFiles>> {
  return defer(() => {
    const outdir = resolve(args.outdir);
    let isDirectory = false;
    try {
      isDirectory = statSync(outdir).isDirectory();
    } catch {
      isDirectory = false;
    }
    if (!isDirectory) throw new UsageError(`--outdir: "${args.outdir}" is not an existing directory`);
    const total = args.frameIds.length;
    const saved$ = from(args.frameIds).pipe(
      concatMap((frame) =>
        client.transport
          .request({
            method: 'GET',
            url: `/api/tasks/${args.taskId}/data`,
            query: { type: 'frame', number: frame, quality: args.quality },
            responseType: 'arraybuffer',
            operationId: 'tasks_retrieve_data',
          })
          .pipe(
            map((response) => {
              const name = `task_${args.taskId}_frame_${String(frame).padStart(6, '0')}`;
              const path = join(outdir, name + frameExtension(header(response.headers, 'content-type')));
              writeAtomically(path, bytesOf(response));
              return path;
            }),
          ),
      ),
    );
    const paths: string[] = [];
    return concat(
      of<TransferEvent<SavedFiles>>({ type: 'progress', phase: 'download', loaded: 0, total, unit: 'items' }),
      saved$.pipe(
        map((path): TransferEvent<SavedFiles> => {
          paths.push(path);
          return { type: 'progress', phase: 'download', loaded: paths.length, total, unit: 'items' };
        }),
      ),
      defer(() => result<SavedFiles>({ paths })),
    );
  });
}
