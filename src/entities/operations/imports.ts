import { defer, map, mergeMap, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { RequestFailedError, UsageError } from '../../errors';
import type { RequestStatus } from '../../lifecycle';
import type { TransferEvent } from '../../transfer/progress';
import type { UploadSource } from '../../transfer/source';
import { uploadSession } from '../../transfer/upload-session';
import type { QueryParams } from '../../transport/types';
import { projects, tasks } from '../descriptors';
import { retrieveData } from '../resource';
import type { ModelDescriptor } from '../resource';
import type { Wrap } from '../base';
import { makeProject } from '../project';
import type { Project } from '../project';
import { makeTask } from '../task';
import type { Task } from '../task';
import { observeAs } from './observe';
import type { ObserveOptions, Observed } from './observe';
import { platformOf } from './platform';
import type { OperationsContext } from '../context';
import type { UploadInput } from './platform';
import { followRequest, rqIdOf } from './processing';

export interface ImportOptions extends ObserveOptions {
  /** Bytes per TUS PATCH, fixed (default: 10 MiB at first, doubling per accepted chunk up to 100 MiB). */
  readonly chunkSize?: number;
}

export interface ImportAnnotationsOptions extends ImportOptions {
  /** Convert masks to polygons (`conv_mask_to_poly`); the server's default (true) when absent. */
  readonly convMaskToPoly?: boolean;
  /**
   * `replace` (the server's default) drops the annotations there were; `append` adds to them
   * (`import_mode`, tasks and jobs only).
   */
  readonly importMode?: 'append' | 'replace';
}

/** A file already in a cloud storage: the server reads it there, nothing is uploaded. */
export interface CloudSource {
  readonly location: 'cloud_storage';
  readonly cloudStorageId: number;
  /** The file's path in the bucket. */
  readonly filename: string;
}

/** What an import or restore reads: a file sent from here, or one in a cloud storage. */
export type ImportInput = UploadInput | CloudSource;

export function isCloudSource(input: unknown): input is CloudSource {
  return (
    typeof input === 'object' && input !== null && 'location' in input && input.location === 'cloud_storage'
  );
}

/** The query naming a cloud file; a UsageError for an incomplete one. */
function cloudQuery(source: CloudSource): QueryParams {
  if (!Number.isSafeInteger(source.cloudStorageId) || source.cloudStorageId < 1)
    throw new UsageError('A cloud storage source needs cloudStorageId (a positive integer)');
  if (typeof source.filename !== 'string' || source.filename === '')
    throw new UsageError('A cloud storage source needs the filename in the bucket');
  return { location: 'cloud_storage', cloud_storage_id: source.cloudStorageId, filename: source.filename };
}

/** An import or restore of a file in a cloud storage: one POST (no upload), then the request it starts. */
function fromCloud(
  ctx: OperationsContext,
  url: string,
  query: QueryParams,
  operationId: string,
): Observable<TransferEvent<RequestStatus>> {
  return ctx.transport
    .request({ method: 'POST', url, query, operationId })
    .pipe(mergeMap((response) => followRequest(ctx, rqIdOf(response, operationId))));
}

function importModeOf(options: ImportAnnotationsOptions | undefined): QueryParams {
  const mode = options?.importMode;
  if (mode === undefined) return {};
  if (mode !== 'append' && mode !== 'replace')
    throw new UsageError(`importMode must be "append" or "replace", got ${String(mode)}`);
  return { import_mode: mode };
}

/** One file by TUS to an import endpoint, then the request it started, followed to its end. */
function uploadAndFollow(
  ctx: OperationsContext,
  url: string,
  source: UploadSource,
  query: QueryParams,
  chunkSize: number | undefined,
): Observable<TransferEvent<RequestStatus>> {
  return uploadSession(ctx.transport, {
    url,
    sources: [source],
    mode: 'tus',
    // Upload-Start and Upload-Finish carry the query; the finish names the file as the server stored it.
    // `location=local` (as cvat-cli sends): the uploaded file, even when the object's default source
    // storage is a cloud storage (CVAT would otherwise read `filename` from that bucket).
    query: { ...query, location: 'local', filename: source.name },
    filenameParam: 'filename',
    ...(chunkSize === undefined ? {} : { tus: { chunkSize } }),
  }).pipe(
    mergeMap((event) =>
      event.type === 'progress'
        ? of(event)
        : followRequest(ctx, rqIdOf(event.value.response, 'upload_finish')),
    ),
  );
}

/** The one file of an import, opened and checked (UsageError before any request). */
export function resolveSingleSource(ctx: OperationsContext, file: UploadInput): Observable<UploadSource> {
  return defer(() => {
    if (file === undefined || file === null) throw new UsageError('No file to import');
    return platformOf(ctx).resolveSources([file]);
  }).pipe(map((sources) => sources[0]));
}

function checkFormat(format: string): void {
  if (typeof format !== 'string' || format.trim() === '')
    throw new UsageError('An import needs a format name');
}

/** The events of an annotation import from an already opened source (shared with createFromData). */
export function importEvents(
  ctx: OperationsContext,
  kind: 'tasks' | 'jobs',
  id: number,
  source: UploadSource,
  options: ImportAnnotationsOptions & { readonly format: string },
): Observable<TransferEvent<RequestStatus>> {
  return defer(() => {
    checkFormat(options.format);
    const query: QueryParams = {
      format: options.format,
      ...(options.convMaskToPoly === undefined ? {} : { conv_mask_to_poly: options.convMaskToPoly }),
      ...importModeOf(options),
    };
    return uploadAndFollow(ctx, `/api/${kind}/${id}/annotations/`, source, query, options.chunkSize);
  });
}

/**
 * Imports an annotation file into a task or a job (`/api/{tasks|jobs}/{id}/annotations/` by
 * TUS, `format` and `filename` on Upload-Start and Upload-Finish), then waits for the import.
 * Emits `undefined` when done (or upload and processing events, then the result).
 */
export function importAnnotations<O extends ImportAnnotationsOptions | undefined = undefined>(
  ctx: OperationsContext,
  kind: 'tasks' | 'jobs',
  id: number,
  format: string,
  file: ImportInput,
  options?: O,
): Observable<Observed<void, O>> {
  const events$ = defer(() => {
    checkFormat(format);
    if (isCloudSource(file)) {
      return fromCloud(
        ctx,
        `/api/${kind}/${id}/annotations/`,
        {
          format,
          ...(options?.convMaskToPoly === undefined ? {} : { conv_mask_to_poly: options.convMaskToPoly }),
          ...importModeOf(options),
          // The location given here, not the task's default source storage.
          use_default_location: false,
          ...cloudQuery(file),
        },
        `${kind}_create_annotations`,
      );
    }
    return resolveSingleSource(ctx, file).pipe(
      switchMap((source) => importEvents(ctx, kind, id, source, { ...options, format })),
    );
  }).pipe(
    map((event): TransferEvent<void> =>
      event.type === 'result' ? { type: 'result', value: undefined } : event,
    ),
  );
  return observeAs(events$, options);
}

/** The events of a dataset import into a project from an already opened source. */
export function importDatasetFrom(
  ctx: OperationsContext,
  projectId: number,
  source: UploadSource,
  format: string,
  options: ImportAnnotationsOptions | undefined,
): Observable<TransferEvent<RequestStatus>> {
  return defer(() => {
    checkFormat(format);
    return uploadAndFollow(
      ctx,
      `/api/projects/${projectId}/dataset/`,
      source,
      {
        format,
        ...(options?.convMaskToPoly === undefined ? {} : { conv_mask_to_poly: options.convMaskToPoly }),
      },
      options?.chunkSize,
    );
  });
}

/** Imports a dataset into a project (`/api/projects/{id}/dataset/`), then waits for the import. */
export function importDataset<O extends ImportAnnotationsOptions | undefined = undefined>(
  ctx: OperationsContext,
  projectId: number,
  format: string,
  file: ImportInput,
  options?: O,
): Observable<Observed<void, O>> {
  const events$ = defer(() => {
    checkFormat(format);
    if (options?.importMode !== undefined) throw new UsageError('importMode applies to tasks and jobs only');
    if (isCloudSource(file)) {
      return fromCloud(
        ctx,
        `/api/projects/${projectId}/dataset/`,
        {
          format,
          ...(options?.convMaskToPoly === undefined ? {} : { conv_mask_to_poly: options.convMaskToPoly }),
          ...cloudQuery(file),
        },
        'projects_create_dataset',
      );
    }
    return resolveSingleSource(ctx, file).pipe(
      switchMap((source) => importDatasetFrom(ctx, projectId, source, format, options)),
    );
  }).pipe(
    map((event): TransferEvent<void> =>
      event.type === 'result' ? { type: 'result', value: undefined } : event,
    ),
  );
  return observeAs(events$, options);
}

function restore(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  file: ImportInput,
  options: ImportOptions | undefined,
): Observable<TransferEvent<number>> {
  const status$ = isCloudSource(file)
    ? defer(() => fromCloud(ctx, `/api/${kind}/backup/`, cloudQuery(file), `${kind}_create_backup`))
    : resolveSingleSource(ctx, file).pipe(
        // The server renames backups on upload: the finish must name the file it stored (Upload-Filename).
        switchMap((source) => uploadAndFollow(ctx, `/api/${kind}/backup/`, source, {}, options?.chunkSize)),
      );
  return status$.pipe(
    map((event): TransferEvent<number> => {
      if (event.type === 'progress') return event;
      const id = event.value.resultId;
      if (id === undefined) {
        throw new RequestFailedError({
          requestId: event.value.id,
          serverMessage: 'the restore finished without naming the new object (result_id)',
        });
      }
      return { type: 'result', value: id };
    }),
  );
}

/** Restores a task backup as a new task (`/api/tasks/backup/`) and emits it. */
export function createTaskFromBackup<O extends ImportOptions | undefined = undefined>(
  ctx: OperationsContext,
  file: ImportInput,
  options?: O,
): Observable<Observed<Task, O>> {
  return restoreAs(ctx, 'tasks', tasks, makeTask, file, options);
}

/** Restores a project backup as a new project (`/api/projects/backup/`) and emits it. */
export function createProjectFromBackup<O extends ImportOptions | undefined = undefined>(
  ctx: OperationsContext,
  file: ImportInput,
  options?: O,
): Observable<Observed<Project, O>> {
  return restoreAs(ctx, 'projects', projects, makeProject, file, options);
}

/** Restores a backup, then emits the new object as an entity (fetched by the id the request names). */
function restoreAs<Model, Self, O extends ImportOptions | undefined>(
  ctx: OperationsContext,
  kind: 'tasks' | 'projects',
  descriptor: ModelDescriptor<Model, number>,
  wrap: Wrap<Model, Self>,
  file: ImportInput,
  options?: O,
): Observable<Observed<Self, O>> {
  const events$ = restore(ctx, kind, file, options).pipe(
    switchMap((event): Observable<TransferEvent<Self>> =>
      event.type === 'progress'
        ? of(event)
        : retrieveData(ctx, descriptor, event.value).pipe(
            map((model) => ({ type: 'result', value: wrap(ctx, model) })),
          ),
    ),
  );
  return observeAs(events$, options);
}
