import type { Observable } from 'rxjs';
import type { DataMetaRead, ProjectWriteRequest } from '../../models';
import type { Project } from '../project';
import type { Task } from '../task';
import type { ClientContext } from '../context';
import { exportCall } from './exports';
import type {
  BackupOptions,
  CloudExport,
  CloudStorageTarget,
  DownloadSink,
  ExportDatasetOptions,
  Target,
} from './exports';
import { editDeletedFrames } from './deleted-frames';
import { chunk, downloadFrames, frame, frames, meta, preview } from './frames';
import type { DataOptions, DownloadFramesOptions, FrameData, FramesOptions } from './frames';
import { createProjectFromBackup, createTaskFromBackup, importAnnotations, importDataset } from './imports';
import type { ImportAnnotationsOptions, ImportInput, ImportOptions } from './imports';
import type { Observed } from './observe';
import { createProjectFromDataset } from './project-dataset';
import type { CreateFromDatasetOptions, CreateFromDatasetParams } from './project-dataset';
import { samples } from './samples';
import type { Sample, SamplesOptions } from './samples';
import type { SavedFile } from './platform';
import { createTaskFromData, uploadTaskData } from './task-data';
import type {
  CreateFromDataOptions,
  CreateTaskFromDataParams,
  TaskDataParams,
  UploadDataOptions,
  UploadDataResult,
} from './task-data';

/**
 * `exportDataset(format, target, options)`: to a path (a file, or a folder that gets the server's
 * file name), into a sink, or to a cloud storage (`{ location: 'cloud_storage', cloudStorageId,
 * filename }`). The target is checked before the server does any work.
 */
export interface ExportDatasetMethod {
  <O extends ExportDatasetOptions | undefined = undefined>(
    format: string,
    path: string,
    options?: O,
  ): Observable<Observed<SavedFile, O>>;
  <R, O extends ExportDatasetOptions | undefined = undefined>(
    format: string,
    sink: DownloadSink<R>,
    options?: O,
  ): Observable<Observed<R, O>>;
  <O extends ExportDatasetOptions | undefined = undefined>(
    format: string,
    target: CloudStorageTarget,
    options?: O,
  ): Observable<Observed<CloudExport, O>>;
}

/** `downloadBackup(target, options)`: to a path or folder, into a sink, or to a cloud storage. */
export interface DownloadBackupMethod {
  <O extends BackupOptions | undefined = undefined>(
    path: string,
    options?: O,
  ): Observable<Observed<SavedFile, O>>;
  <R, O extends BackupOptions | undefined = undefined>(
    sink: DownloadSink<R>,
    options?: O,
  ): Observable<Observed<R, O>>;
  <O extends BackupOptions | undefined = undefined>(
    target: CloudStorageTarget,
    options?: O,
  ): Observable<Observed<CloudExport, O>>;
}

/** Frames, chunks, preview and meta of a task or a job. */
export interface MediaOperations {
  /** One frame's bytes (`?type=frame&number=N`). */
  frame(n: number, options?: DataOptions): Observable<Uint8Array>;
  /** Several frames, `concurrency` at a time, as `{ frame, data, contentType }` in arrival order. */
  frames(ids: Iterable<number>, options?: FramesOptions): Observable<FrameData>;
  /** Frames written to a folder (Node platform); one SavedFile per frame. */
  downloadFrames(
    ids: Iterable<number>,
    outdir: string,
    options?: DownloadFramesOptions,
  ): Observable<SavedFile & { readonly frame: number }>;
  /** One chunk's bytes; a chunk being prepared (429) is waited for. */
  chunk(index: number, options?: DataOptions): Observable<Uint8Array>;
  /** The preview image. */
  preview(): Observable<Uint8Array>;
  /** The media meta data (`…/data/meta`). */
  meta(): Observable<DataMetaRead>;
  /**
   * Marks frames deleted (task frame numbers, for a job too) over the data-meta PATCH, keeping
   * those already deleted; emits the new meta. Annotations stay; the frames are skipped.
   */
  removeFrames(ids: Iterable<number>): Observable<DataMetaRead>;
  /** Brings deleted frames back (the reverse of `removeFrames`); emits the new meta. */
  restoreFrames(ids: Iterable<number>): Observable<DataMetaRead>;
}

/** What a task can transfer. */
export interface TaskTransfers extends MediaOperations {
  /**
   * Attaches data (local files, share paths or URLs), follows the processing, emits the fresh Task;
   * with `{ wait: false }`, emits the processing request's id once the data is accepted.
   */
  uploadData<O extends UploadDataOptions | undefined = undefined>(
    params: TaskDataParams,
    options?: O,
  ): Observable<Observed<UploadDataResult<O>, O>>;
  /** Imports an annotation file (sent from here, or `{ location: 'cloud_storage', cloudStorageId, filename }`) and waits for the import. */
  importAnnotations<O extends ImportAnnotationsOptions | undefined = undefined>(
    format: string,
    file: ImportInput,
    options?: O,
  ): Observable<Observed<void, O>>;
  exportDataset: ExportDatasetMethod;
  downloadBackup: DownloadBackupMethod;
  /** The frames with their annotations, read chunk by chunk (image tasks), for ML pipelines. */
  samples(options?: SamplesOptions): Observable<Sample>;
}

/** What a job can transfer (CVAT has no job backups). */
export interface JobTransfers extends MediaOperations {
  importAnnotations<O extends ImportAnnotationsOptions | undefined = undefined>(
    format: string,
    file: ImportInput,
    options?: O,
  ): Observable<Observed<void, O>>;
  exportDataset: ExportDatasetMethod;
}

/** What a project can transfer. */
export interface ProjectTransfers {
  /** Imports a dataset into the project and waits for the import. */
  importDataset<O extends ImportAnnotationsOptions | undefined = undefined>(
    format: string,
    file: ImportInput,
    options?: O,
  ): Observable<Observed<void, O>>;
  exportDataset: ExportDatasetMethod;
  downloadBackup: DownloadBackupMethod;
  /** The preview image. */
  preview(): Observable<Uint8Array>;
}

export interface TasksRepositoryTransfers {
  /** Creates a task with its data (see `createTaskFromData`). */
  createFromData<O extends CreateFromDataOptions | undefined = undefined>(
    params: CreateTaskFromDataParams,
    options?: O,
  ): Observable<Observed<Task, O>>;
  /** Restores a task backup as a new task. */
  createFromBackup<O extends ImportOptions | undefined = undefined>(
    file: ImportInput,
    options?: O,
  ): Observable<Observed<Task, O>>;
}

export interface ProjectsRepositoryTransfers {
  /** Restores a project backup as a new project. */
  createFromBackup<O extends ImportOptions | undefined = undefined>(
    file: ImportInput,
    options?: O,
  ): Observable<Observed<Project, O>>;
  /**
   * Creates a project and imports a dataset into it (cvat-sdk's `create_from_dataset`); when the
   * import fails the half-made project is removed and a ProjectCreationError says so.
   */
  createFromDataset<O extends CreateFromDatasetOptions | undefined = undefined>(
    spec: ProjectWriteRequest,
    params: CreateFromDatasetParams,
    options?: O,
  ): Observable<Observed<Project, O>>;
}

function bindExportDataset(
  ctx: ClientContext,
  kind: 'tasks' | 'projects' | 'jobs',
  id: number,
): ExportDatasetMethod {
  function method<O extends ExportDatasetOptions | undefined = undefined>(
    format: string,
    path: string,
    options?: O,
  ): Observable<Observed<SavedFile, O>>;
  function method<R, O extends ExportDatasetOptions | undefined = undefined>(
    format: string,
    sink: DownloadSink<R>,
    options?: O,
  ): Observable<Observed<R, O>>;
  function method<O extends ExportDatasetOptions | undefined = undefined>(
    format: string,
    target: CloudStorageTarget,
    options?: O,
  ): Observable<Observed<CloudExport, O>>;
  function method(
    format: string,
    target: Target<unknown>,
    options?: ExportDatasetOptions,
  ): Observable<unknown> {
    return exportCall(ctx, kind, id, 'dataset', format, target, options);
  }
  return method;
}

function bindDownloadBackup(
  ctx: ClientContext,
  kind: 'tasks' | 'projects',
  id: number,
): DownloadBackupMethod {
  function method<O extends BackupOptions | undefined = undefined>(
    path: string,
    options?: O,
  ): Observable<Observed<SavedFile, O>>;
  function method<R, O extends BackupOptions | undefined = undefined>(
    sink: DownloadSink<R>,
    options?: O,
  ): Observable<Observed<R, O>>;
  function method<O extends BackupOptions | undefined = undefined>(
    target: CloudStorageTarget,
    options?: O,
  ): Observable<Observed<CloudExport, O>>;
  function method(target: Target<unknown>, options?: BackupOptions): Observable<unknown> {
    return exportCall(ctx, kind, id, 'backup', undefined, target, options);
  }
  return method;
}

function mediaOperations(ctx: ClientContext, kind: 'tasks' | 'jobs', id: number): MediaOperations {
  return {
    frame: (n, options) => frame(ctx, kind, id, n, options),
    frames: (ids, options) => frames(ctx, kind, id, ids, options),
    downloadFrames: (ids, outdir, options) => downloadFrames(ctx, kind, id, ids, outdir, options),
    chunk: (index, options) => chunk(ctx, kind, id, index, options),
    preview: () => preview(ctx, kind, id),
    meta: () => meta(ctx, kind, id),
    removeFrames: (ids) => editDeletedFrames(ctx, kind, id, ids, 'remove'),
    restoreFrames: (ids) => editDeletedFrames(ctx, kind, id, ids, 'restore'),
  };
}

export function taskTransfers(ctx: ClientContext, id: number): TaskTransfers {
  return {
    ...mediaOperations(ctx, 'tasks', id),
    uploadData: (params, options) => uploadTaskData(ctx, id, params, options),
    importAnnotations: (format, file, options) => importAnnotations(ctx, 'tasks', id, format, file, options),
    exportDataset: bindExportDataset(ctx, 'tasks', id),
    downloadBackup: bindDownloadBackup(ctx, 'tasks', id),
    samples: (options) => samples(ctx, id, options),
  };
}

export function jobTransfers(ctx: ClientContext, id: number): JobTransfers {
  return {
    ...mediaOperations(ctx, 'jobs', id),
    importAnnotations: (format, file, options) => importAnnotations(ctx, 'jobs', id, format, file, options),
    exportDataset: bindExportDataset(ctx, 'jobs', id),
  };
}

export function projectTransfers(ctx: ClientContext, id: number): ProjectTransfers {
  return {
    importDataset: (format, file, options) => importDataset(ctx, id, format, file, options),
    exportDataset: bindExportDataset(ctx, 'projects', id),
    downloadBackup: bindDownloadBackup(ctx, 'projects', id),
    preview: () => preview(ctx, 'projects', id),
  };
}

export function tasksRepositoryTransfers(ctx: ClientContext): TasksRepositoryTransfers {
  return {
    createFromData: (params, options) => createTaskFromData(ctx, params, options),
    createFromBackup: (file, options) => createTaskFromBackup(ctx, file, options),
  };
}

export function projectsRepositoryTransfers(ctx: ClientContext): ProjectsRepositoryTransfers {
  return {
    createFromBackup: (file, options) => createProjectFromBackup(ctx, file, options),
    createFromDataset: (spec, params, options) => createProjectFromDataset(ctx, spec, params, options),
  };
}
