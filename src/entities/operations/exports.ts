import { concat, defer, filter, mergeMap, of } from 'rxjs';
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
import { saveToPathOf } from './platform';
import type { OperationsContext, SavedFile } from './platform';
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
  /** `local` (the default): download the result here. */
  readonly location?: 'local';
}

export interface CloudExportOptions extends ObserveOptions {
  readonly includeImages?: boolean;
  /** Leave the result in a cloud storage instead of downloading it. */
  readonly location: 'cloud_storage';
  readonly cloudStorageId: number;
}

/** What an export to a cloud storage emits: where the server put the file. */
export interface CloudExport {
  readonly location: 'cloud_storage';
  readonly cloudStorageId: number;
  readonly filename: string;
  readonly requestId: string;
}

export type Target<R> = string | DownloadSink<R>;

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
  sink: DownloadSink<R> | undefined,
  cloud: { readonly cloudStorageId: number; readonly filename: string } | undefined,
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
          if (cloud) {
            return of({
              type: 'result',
              value: { location: 'cloud_storage', requestId: rqId, ...cloud },
            });
          }
          if (!status.resultUrl || sink === undefined) {
            throw new ApiError({
              status: 500,
              method: 'GET',
              url: `/api/requests/${encodeURIComponent(rqId)}`,
              body: { detail: 'The export finished without a result_url to download' },
              operationId: 'requests_retrieve',
            });
          }
          const url = resolveDownloadUrl(status.resultUrl, ctx.transport.configuration.host);
          return sink(ctx.transport, { method: 'GET', url, operationId: `${plan.operationId}_download` });
        });
        return concat(processing$, result$);
      }),
    );
}

function checkCloud(
  options: { readonly location?: string; readonly cloudStorageId?: number } | undefined,
): boolean {
  const location = options?.location;
  if (location === undefined || location === 'local') {
    if (options?.cloudStorageId !== undefined)
      throw new UsageError('cloudStorageId needs location: cloud_storage');
    return false;
  }
  if (location !== 'cloud_storage') throw new UsageError(`Unknown location "${location}"`);
  if (!Number.isInteger(options?.cloudStorageId)) {
    throw new UsageError('An export to a cloud storage needs cloudStorageId');
  }
  return true;
}

function sinkFor<R>(
  ctx: OperationsContext,
  target: Target<R>,
  overwrite: boolean,
): DownloadSink<R | SavedFile> {
  if (typeof target === 'function') return target;
  if (typeof target !== 'string' || target === '')
    throw new UsageError('A download needs a file path or a sink');
  const save = saveToPathOf(ctx);
  return (transport, request) => save(transport, request, target, { overwrite });
}

/** An export or backup whose target and options were not narrowed by an overload (for the bindings). */
export function exportCall(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  what: 'dataset' | 'backup',
  format: string | undefined,
  target: Target<unknown>,
  options: (ExportDatasetOptions | CloudExportOptions) | undefined,
): Observable<unknown> {
  const events$ = defer(() => {
    if (what === 'dataset' && (typeof format !== 'string' || format.trim() === '')) {
      throw new UsageError('An export needs a format name');
    }
    if (what === 'backup' && kind === 'jobs') throw new UsageError('CVAT has no job backups');
    const toCloud = checkCloud(options);
    const cloudStorageId = options && 'cloudStorageId' in options ? options.cloudStorageId : undefined;
    if (toCloud && typeof target !== 'string')
      throw new UsageError('A cloud storage export needs a file name');
    const query: QueryParams = {
      ...(what === 'dataset' ? { format, save_images: options?.includeImages ?? true } : {}),
      ...(toCloud
        ? { location: 'cloud_storage', cloud_storage_id: cloudStorageId, filename: String(target) }
        : {}),
    };
    const plan: ExportPlan = {
      url: `/api/${kind}/${id}/${what}/export`,
      operationId: `${kind}_create_${what}_export`,
      query,
    };
    const overwrite = options !== undefined && 'overwrite' in options && options.overwrite === true;
    return runExport(
      ctx,
      plan,
      toCloud ? undefined : sinkFor(ctx, target, overwrite),
      toCloud && cloudStorageId !== undefined ? { cloudStorageId, filename: String(target) } : undefined,
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
export function exportDataset<O extends CloudExportOptions>(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  format: string,
  filename: string,
  options: O,
): Observable<Observed<CloudExport, O>>;
export function exportDataset(
  ctx: OperationsContext,
  kind: ExportableResource,
  id: number,
  format: string,
  target: Target<unknown>,
  options?: ExportDatasetOptions | CloudExportOptions,
): Observable<unknown> {
  return exportCall(ctx, kind, id, 'dataset', format, target, options);
}

/** Makes a backup (`POST /api/{tasks|projects}/{id}/backup/export`) and downloads it. */
export function downloadBackup<O extends DownloadOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  path: string,
  options?: O,
): Observable<Observed<SavedFile, O>>;
export function downloadBackup<R, O extends DownloadOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  sink: DownloadSink<R>,
  options?: O,
): Observable<Observed<R, O>>;
export function downloadBackup<O extends CloudExportOptions>(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  filename: string,
  options: O,
): Observable<Observed<CloudExport, O>>;
export function downloadBackup(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  id: number,
  target: Target<unknown>,
  options?: DownloadOptions | CloudExportOptions,
): Observable<unknown> {
  return exportCall(ctx, kind, id, 'backup', undefined, target, options);
}
