import { concat, defer, filter, map, mergeMap, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { ApiError, UsageError } from '../../errors';
import type { RequestStatus } from '../../lifecycle';
import { downloadBlob, resolveDownloadUrl } from '../../transfer/download';
import type { DownloadedBlob } from '../../transfer/download';
import type { TransferTransport } from '../../transfer/http';
import type { ProgressEvent, TransferEvent } from '../../transfer/progress';
import type { QueryParams, TransportRequest } from '../../transport/types';
import { observeAs } from './observe';
import type { ObserveOptions, Observed } from './observe';
import { savingOf } from './platform';
import type { OperationsContext } from '../context';
import type { SavedFile } from './platform';
import { followRequest, rqIdOf } from './processing';

/**
 * Where a download goes: a function that sends the request and writes the body somewhere,
 * emitting download progress and then what it made. `toBlob()` keeps it in memory (browsers);
 * `toFile(path)` from `cvat-rx/node` streams it to disk; a plain path string uses the client's
 * platform (Node: a file written through a temporary file).
 */
export type DownloadSink<R> = (
  transport: TransferTransport,
  request: TransportRequest,
) => Observable<TransferEvent<R>>;

/** A sink that downloads into a Blob (the browser way). */
export function toBlob(): DownloadSink<DownloadedBlob> {
  return (transport, request) => downloadBlob(transport, request);
}

export type ExportableResource = 'tasks' | 'projects' | 'jobs';

export interface DownloadOptions extends ObserveOptions {
  /** Replace an existing file at the path (default false). */
  readonly overwrite?: boolean;
}

export interface ExportDatasetOptions extends DownloadOptions {
  /** Include the images (`save_images`; default true, as CVAT's SDK). */
  readonly includeImages?: boolean;
}

export interface BackupOptions extends DownloadOptions {
  /**
   * `lightweight`: leave out the media of tasks whose data is in a cloud storage (CVAT's default
   * is true; sent only when given).
   */
  readonly lightweight?: boolean;
}

/** A file in a cloud storage: where an export or a backup goes instead of being downloaded. */
export interface CloudStorageTarget {
  readonly location: 'cloud_storage';
  readonly cloudStorageId: number;
  /** The file's name in the storage; the server chooses one when it is not given. */
  readonly filename?: string;
}

/** What an export to a cloud storage emits: where the server put the file. */
export interface CloudExport {
  readonly location: 'cloud_storage';
  readonly cloudStorageId: number;
  /** The name asked for; undefined when the server chose it. */
  readonly filename: string | undefined;
  readonly requestId: string;
}

/**
 * Where an export goes: a path (a file, or a folder that gets the server's file name; missing
 * parent folders are created), a sink (`toBlob()`, `toFile()`), or a cloud storage.
 */
export type Target<R> = string | DownloadSink<R> | CloudStorageTarget;

/** A target once checked: a sink to download into, or a cloud storage the server writes to. */
type Destination<R> =
  | { readonly kind: 'download'; readonly sink: DownloadSink<R> }
  | { readonly kind: 'cloud'; readonly cloud: CloudStorageTarget };

interface ExportPlan {
  readonly url: string;
  readonly operationId: string;
  readonly query: QueryParams;
}

/**
 * Starts an export (202 `{ rq_id }`), follows it, then either downloads `result_url` (moved onto
 * the configured origin when the server names another host) into the sink, or, for a cloud
 * storage, reports where the file went.
 */
function runExport<R>(
  ctx: OperationsContext,
  plan: ExportPlan,
  destination: Destination<R>,
): Observable<TransferEvent<R | CloudExport>> {
  return ctx.transport
    .request({ method: 'POST', url: plan.url, query: plan.query, operationId: plan.operationId })
    .pipe(
      mergeMap((response) => {
        const rqId = rqIdOf(response, plan.operationId);
        let final: RequestStatus | undefined;
        const processing$ = followRequest(ctx, rqId).pipe(
          filter((event): event is ProgressEvent => {
            if (event.type === 'result') final = event.value;
            return event.type === 'progress';
          }),
        );
        const result$ = defer((): Observable<TransferEvent<R | CloudExport>> => {
          const status = final;
          if (status === undefined) throw new UsageError(`export request ${rqId} ended without a status`);
          if (destination.kind === 'cloud') {
            const { cloudStorageId, filename } = destination.cloud;
            return of({
              type: 'result',
              value: { location: 'cloud_storage', cloudStorageId, filename, requestId: rqId },
            });
          }
          if (!status.resultUrl) {
            throw new ApiError({
              status: 500,
              method: 'GET',
              url: `/api/requests/${encodeURIComponent(rqId)}`,
              body: { detail: 'The export finished without a result_url to download' },
              operationId: 'requests_retrieve',
            });
          }
          const url = resolveDownloadUrl(status.resultUrl, ctx.transport.configuration.host);
          return destination.sink(ctx.transport, {
            method: 'GET',
            url,
            operationId: `${plan.operationId}_download`,
          });
        });
        return concat(processing$, result$);
      }),
    );
}

function isCloudTarget(target: unknown): target is CloudStorageTarget {
  return typeof target === 'object' && target !== null && 'location' in target;
}

function checkCloudTarget(target: CloudStorageTarget): CloudStorageTarget {
  if (target.location !== 'cloud_storage')
    throw new UsageError(`Unknown location "${String(target.location)}" (use a path for a local file)`);
  if (!Number.isInteger(target.cloudStorageId) || target.cloudStorageId < 1)
    throw new UsageError('An export to a cloud storage needs cloudStorageId');
  if (target.filename !== undefined && (typeof target.filename !== 'string' || target.filename === ''))
    throw new UsageError('filename must be a non-empty string');
  return target;
}

/**
 * Checks the target before the server is asked to do any work: a path's folder is created and a
 * file there is refused without `overwrite`, so a bad path never costs a server-side export.
 */
function destinationFor<R>(
  ctx: OperationsContext,
  target: Target<R>,
  overwrite: boolean,
): Observable<Destination<R | SavedFile>> {
  return defer(() => {
    if (typeof target === 'function') return of({ kind: 'download' as const, sink: target });
    if (isCloudTarget(target)) return of({ kind: 'cloud' as const, cloud: checkCloudTarget(target) });
    if (typeof target !== 'string' || target === '')
      throw new UsageError('A download needs a file path, a folder, a sink or a cloud storage target');
    const { prepareSave, saveToPath } = savingOf(ctx);
    return prepareSave(target, { overwrite }).pipe(
      map((destination) => ({
        kind: 'download' as const,
        sink: (transport: TransferTransport, request: TransportRequest) =>
          saveToPath(transport, request, destination, { overwrite }),
      })),
    );
  });
}

function queryFor(
  what: 'dataset' | 'backup',
  format: string | undefined,
  options: (ExportDatasetOptions & BackupOptions) | undefined,
  destination: Destination<unknown>,
): QueryParams {
  const where: QueryParams =
    destination.kind === 'cloud'
      ? {
          location: 'cloud_storage',
          cloud_storage_id: destination.cloud.cloudStorageId,
          ...(destination.cloud.filename === undefined ? {} : { filename: destination.cloud.filename }),
        }
      : // Always said, as cvat-cli does: a task whose default target is a cloud storage would
        // otherwise export there and leave nothing to download.
        { location: 'local' };
  return {
    ...(what === 'dataset' ? { format, save_images: options?.includeImages ?? true } : {}),
    ...(what === 'backup' && options?.lightweight !== undefined ? { lightweight: options.lightweight } : {}),
    ...where,
  };
}

/** An export or backup whose target and options were not narrowed by an overload (for the bindings). */
export function exportCall(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  what: 'dataset' | 'backup',
  format: string | undefined,
  target: Target<unknown>,
  options: (ExportDatasetOptions & BackupOptions) | undefined,
): Observable<unknown> {
  const events$ = defer(() => {
    if (what === 'dataset' && (typeof format !== 'string' || format.trim() === '')) {
      throw new UsageError('An export needs a format name');
    }
    if (what === 'backup' && kind === 'jobs') throw new UsageError('CVAT has no job backups');
    const overwrite = options?.overwrite === true;
    return destinationFor(ctx, target, overwrite).pipe(
      switchMap((destination) =>
        runExport(
          ctx,
          {
            url: `/api/${kind}/${id}/${what}/export`,
            operationId: `${kind}_create_${what}_export`,
            query: queryFor(what, format, options, destination),
          },
          destination,
        ),
      ),
    );
  });
  return observeAs(events$, options);
}

/**
 * Exports a dataset (`POST /api/{tasks|projects|jobs}/{id}/dataset/export`), follows the request
 * and downloads the result: to a path (Node platform; a temporary file renamed on success), into a
 * sink (`toBlob()`), or leaves it in a cloud storage.
 */
export function exportDataset<O extends ExportDatasetOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  format: string,
  path: string,
  options?: O,
): Observable<Observed<SavedFile, O>>;
export function exportDataset<R, O extends ExportDatasetOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  format: string,
  sink: DownloadSink<R>,
  options?: O,
): Observable<Observed<R, O>>;
export function exportDataset<O extends ExportDatasetOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  format: string,
  target: CloudStorageTarget,
  options?: O,
): Observable<Observed<CloudExport, O>>;
export function exportDataset(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  format: string,
  target: Target<unknown>,
  options?: ExportDatasetOptions,
): Observable<unknown> {
  return exportCall(ctx, kind, id, 'dataset', format, target, options);
}

/** Makes a backup (`POST /api/{tasks|projects}/{id}/backup/export`) and downloads it. */
export function downloadBackup<O extends BackupOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  path: string,
  options?: O,
): Observable<Observed<SavedFile, O>>;
export function downloadBackup<R, O extends BackupOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  sink: DownloadSink<R>,
  options?: O,
): Observable<Observed<R, O>>;
export function downloadBackup<O extends BackupOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  target: CloudStorageTarget,
  options?: O,
): Observable<Observed<CloudExport, O>>;
export function downloadBackup(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  target: Target<unknown>,
  options?: BackupOptions,
): Observable<unknown> {
  return exportCall(ctx, kind, id, 'backup', undefined, target, options);
}
