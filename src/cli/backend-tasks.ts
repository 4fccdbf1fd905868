import { defer, type Observable } from 'rxjs';
import {
  createProjectFromBackup,
  createTaskFromBackup,
  downloadBackup,
  exportDataset,
  importAnnotations,
  ResourceType,
  type CancelCleanup,
  type DataParams,
} from '../entities/operations';
import type { CvatClient } from '../client';
import { TaskWriteRequest } from '../models';
import type {
  BackupArgs,
  Created,
  CreateTaskArgs,
  ExportDatasetArgs,
  ImportDatasetArgs,
  RestoreArgs,
  SavedFile,
  TransferEvent,
} from './backend';
import { checkSpec, resultAs } from './backend-common';
import { outputTarget } from './output-target';

type Resource = 'tasks' | 'projects';
const EVENTS = { observe: 'events' } as const;

/** DataRequest fields from `task create` options (cvat-cli's names, CVAT's wire names). */
export function dataParams(args: CreateTaskArgs): DataParams {
  const d = args.data;
  return {
    image_quality: d.imageQuality,
    sorting_method: d.sortingMethod,
    use_cache: d.useCache,
    use_zip_chunks: d.useZipChunks,
    ...(args.resourceType === 'share' ? { copy_data: d.copyData } : {}),
    ...(d.chunkSize === undefined ? {} : { chunk_size: d.chunkSize }),
    ...(d.frameStep === undefined ? {} : { frame_step: d.frameStep }),
    ...(d.startFrame === undefined ? {} : { start_frame: d.startFrame }),
    ...(d.stopFrame === undefined ? {} : { stop_frame: d.stopFrame }),
    ...(d.cloudStorageId === undefined ? {} : { cloud_storage_id: d.cloudStorageId }),
    ...(d.filenamePattern === undefined ? {} : { filename_pattern: d.filenamePattern }),
  };
}

/** The TaskWriteRequest of `task create`, checked against CVAT's schema (a mismatch is a usage error). */
function taskSpec(args: CreateTaskArgs): TaskWriteRequest {
  const s = args.spec;
  return checkSpec(
    TaskWriteRequest,
    {
      name: args.name,
      ...(s.labels === undefined ? {} : { labels: s.labels }),
      ...(s.projectId === undefined ? {} : { project_id: s.projectId }),
      ...(s.bugTracker === undefined ? {} : { bug_tracker: s.bugTracker }),
      ...(s.overlap === undefined ? {} : { overlap: s.overlap }),
      ...(s.segmentSize === undefined ? {} : { segment_size: s.segmentSize }),
    },
    '--labels and task options',
  );
}

const RESOURCE_TYPES = {
  local: ResourceType.Local,
  share: ResourceType.Share,
  remote: ResourceType.Remote,
} as const;

/**
 * `task create`: `tasks.createFromData` — the task, its data (upload, then processing), then the
 * optional annotations; a task left half-made by a failure or by Ctrl-C is removed by the library.
 */
export function createTask(
  client: CvatClient,
  args: CreateTaskArgs,
  onCancelCleanup?: (cleanup: CancelCleanup) => void,
): Observable<TransferEvent<Created>> {
  return client.tasks
    .createFromData(
      {
        spec: taskSpec(args),
        resourceType: RESOURCE_TYPES[args.resourceType],
        resources: [...args.resources],
        dataParams: dataParams(args),
        ...(args.annotations
          ? { annotationPath: args.annotations.path, annotationFormat: args.annotations.format }
          : {}),
      },
      { ...EVENTS, cleanupOnCancel: true, ...(onCancelCleanup ? { onCancelCleanup } : {}) },
    )
    .pipe(resultAs((task) => ({ id: task.id })));
}

/**
 * `export-dataset`: start the export, follow it, stream the result to the file, or into a folder
 * (the current one when FILE is left out) under the server's file name; an existing file is
 * replaced only with `--overwrite`.
 */
export function exportResourceDataset(
  client: CvatClient,
  resource: Resource,
  args: ExportDatasetArgs,
): Observable<TransferEvent<SavedFile>> {
  return defer(() => {
    const options = { ...EVENTS, includeImages: args.includeImages, overwrite: args.overwrite === true };
    const target = outputTarget(args.filename, args.overwrite === true);
    // One call per overload: a path, or a sink writing into the folder.
    const events$ =
      typeof target === 'string'
        ? exportDataset(client.context, resource, args.id, args.format, target, options)
        : exportDataset(client.context, resource, args.id, args.format, target, options);
    return events$.pipe(resultAs((saved) => ({ path: saved.path })));
  });
}

/** `backup`: start the backup, follow it, stream it to the file or into a folder (as export-dataset). */
export function backup(
  client: CvatClient,
  resource: Resource,
  args: BackupArgs,
): Observable<TransferEvent<SavedFile>> {
  return defer(() => {
    const options = { ...EVENTS, overwrite: args.overwrite === true };
    const target = outputTarget(args.filename, args.overwrite === true);
    // One call per overload: a path, or a sink writing into the folder.
    const events$ =
      typeof target === 'string'
        ? downloadBackup(client.context, resource, args.id, target, options)
        : downloadBackup(client.context, resource, args.id, target, options);
    return events$.pipe(resultAs((saved) => ({ path: saved.path })));
  });
}

/** `create-from-backup`: upload the backup by TUS, follow the restore, emit the new id. */
export function restore(
  client: CvatClient,
  resource: Resource,
  args: RestoreArgs,
): Observable<TransferEvent<Created>> {
  const restored$: Observable<TransferEvent<{ readonly id: number }>> =
    resource === 'tasks'
      ? createTaskFromBackup(client.context, args.filename, EVENTS)
      : createProjectFromBackup(client.context, args.filename, EVENTS);
  return restored$.pipe(resultAs((created) => ({ id: created.id })));
}

/** `task import-dataset`: the file's annotations imported into the task. */
export function importTaskDataset(
  client: CvatClient,
  args: ImportDatasetArgs,
): Observable<TransferEvent<void>> {
  return importAnnotations(client.context, 'tasks', args.id, args.format, args.filename, EVENTS);
}
