import * as t from 'io-ts';
import { EMPTY, concat, concatMap, defer, from } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import { CloudStorageContent } from '../models';
import type { CloudStorageRead, FileInfo, PatchedCloudStorageWriteRequest } from '../models';
import { modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { cloudStorages } from './descriptors';
import { preview } from './operations/frames';
import { itemUrl, requestDecoded, resourceRequest } from './resource';

/** What `GET /api/cloudstorages/{id}/status` answers. */
export const CloudStorageStatus = /*#__PURE__*/ t.keyof(
  { AVAILABLE: null, NOT_FOUND: null, FORBIDDEN: null },
  'CloudStorageStatus',
);
export type CloudStorageStatus = t.TypeOf<typeof CloudStorageStatus>;

export interface CloudStorageContentOptions {
  /** A folder path in the bucket (`images/`), optionally followed by the start of names (`images/cat`). */
  readonly prefix?: string;
  /** Entries per page request (the server's default when absent). */
  readonly pageSize?: number;
  /** List the files of this manifest instead of the bucket. */
  readonly manifestPath?: string;
}

/** What a cloud storage can do besides fetch, update and remove. */
export interface CloudStorageOperations {
  /**
   * One level of the bucket under `prefix` (`{ name, type: 'REG' | 'DIR', mime_type }`), one
   * emission per entry, pages of `content-v2` fetched lazily (`take(5)` costs one request).
   */
  content(options?: CloudStorageContentOptions): Observable<FileInfo>;
  /** Whether the server can reach the bucket. */
  status(): Observable<CloudStorageStatus>;
  /** A preview image of the bucket's content. */
  preview(): Observable<Uint8Array>;
}

/** A cloud storage snapshot (`CloudStorageRead`). */
export interface CloudStorage
  extends
    Readonly<Omit<CloudStorageRead, 'id'>>,
    Snapshot<CloudStorageRead>,
    Fetchable<CloudStorage>,
    Updatable<CloudStorage, PatchedCloudStorageWriteRequest>,
    Removable,
    CloudStorageOperations {}

function contentPage(
  ctx: ClientContext,
  id: number,
  options: CloudStorageContentOptions,
  nextToken: string | undefined,
): Observable<CloudStorageContent> {
  return requestDecoded(
    ctx,
    resourceRequest(cloudStorages, 'GET', `${itemUrl(cloudStorages, id)}/content-v2`, 'retrieve_content_v2', {
      query: {
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.pageSize === undefined ? {} : { page_size: options.pageSize }),
        ...(options.manifestPath === undefined ? {} : { manifest_path: options.manifestPath }),
        ...(nextToken === undefined ? {} : { next_token: nextToken }),
      },
    }),
    CloudStorageContent,
  );
}

/** The operations of cloud storage `id` (also `client.cloudStorages.content(id, …)` and friends). */
export function cloudStorageOperations(ctx: ClientContext, id: number): CloudStorageOperations {
  return {
    content: (options = {}) =>
      defer(() => {
        const size = options.pageSize;
        if (size !== undefined && (!Number.isInteger(size) || size < 1))
          throw new UsageError(`pageSize must be a positive integer, got ${String(size)}`);
        // The next page is asked for only once every entry of this one was taken.
        const entries = (token: string | undefined): Observable<FileInfo> =>
          contentPage(ctx, id, options, token).pipe(
            concatMap((page) =>
              concat(from(page.content), page.next ? defer(() => entries(page.next ?? undefined)) : EMPTY),
            ),
          );
        return entries(undefined);
      }),
    status: () =>
      requestDecoded(
        ctx,
        resourceRequest(cloudStorages, 'GET', `${itemUrl(cloudStorages, id)}/status`, 'retrieve_status'),
        CloudStorageStatus,
      ),
    preview: () => preview(ctx, 'cloudstorages', id),
  };
}

export function makeCloudStorage(ctx: ClientContext, model: CloudStorageRead): CloudStorage {
  const { id } = snapshotOf(cloudStorages, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, cloudStorages, id, makeCloudStorage),
    ...cloudStorageOperations(ctx, id),
  });
}
