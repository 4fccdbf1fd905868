import { basename } from 'node:path';
import { defer, map, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { RequestFailedError, UsageError } from '../errors';
import type { RequestStatus } from '../lifecycle';
import { TaskWriteRequest } from '../models';
import type { JsonValue } from '../transport/types';
import type {
  BackupArgs,
  Created,
  CreateTaskArgs,
  ExportDatasetArgs,
  FormattedFile,
  ImportDatasetArgs,
  PollOptions,
  RestoreArgs,
  SavedFile,
  TransferEvent,
} from './backend';
import { checkSpec, cleanupOnError } from './backend-common';
import { result, saveResult, startAndWait, then, uploadAndWait } from './backend-transfers';

type Resource = 'tasks' | 'projects';

/** DataRequest fields from `task create` options (cvat-cli's names, CVAT's wire names). */
export function dataParams(args: CreateTaskArgs): { [key: string]: JsonValue | undefined } {
  const d = args.data;
  return {
    image_quality: d.imageQuality,
    sorting_method: d.sortingMethod,
    use_cache: d.useCache,
    use_zip_chunks: d.useZipChunks,
    ...(args.resourceType === 'share' ? { copy_data: d.copyData } : {}),
    ...(d.chunkSize === undefined ? {} : { chunk_size: d.chunkSize }),
    ...(d.frameStep === undefined ? {} : { frame_filter: `step=${d.frameStep}` }),
    ...(d.startFrame === undefined ? {} : { start_frame: d.startFrame }),
    ...(d.stopFrame === undefined ? {} : { stop_frame: d.stopFrame }),
    ...(d.cloudStorageId === undefined ? {} : { cloud_storage_id: d.cloudStorageId }),
    ...(d.filenamePattern === undefined ? {} : { filename_pattern: d.filenamePattern }),
  };
}

function taskSpec(args: CreateTaskArgs): TaskWriteRequest {
  const s = args.spec;
  if (s.projectId !== undefined && s.labels !== undefined) {
    // As CVAT's SDK: a task in a project takes the project's labels.
    throw new UsageError(
      '--labels and --project_id cannot be used together (a task in a project has its labels)',
    );
  }
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
    'task spec',
  );
}

/** Uploads the task's data (local files by CVAT's upload protocol; share paths and URLs as a list). */
function uploadData(
  client: CvatClient,
  id: number,
  args: CreateTaskArgs,
): Observable<TransferEvent<RequestStatus>> {
  const url = `/api/tasks/${id}/data/`;
  const params = dataParams(args);
  const poll = { pollIntervalMs: args.pollIntervalMs };
  if (args.resourceType === 'local') {
    return uploadAndWait(client, {
      url,
      files: args.resources,
      finishBody: params,
      bulkFields: { image_quality: args.data.imageQuality },
      ...poll,
    });
  }
  const list = args.resourceType === 'share' ? 'server_files' : 'remote_files';
  return startAndWait(
    client,
    {
      url,
      body: { ...stripUndefined(params), [list]: [...args.resources] },
      operationId: 'tasks_create_data',
    },
    poll,
  );
}

function stripUndefined(value: { [key: string]: JsonValue | undefined }): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out;
}

/** Annotations (task) or a dataset (project) imported from a file, by TUS, then waited for. */
export function importFile(
  client: CvatClient,
  url: string,
  file: FormattedFile,
  poll: PollOptions,
): Observable<TransferEvent<RequestStatus>> {
  return uploadAndWait(client, {
    url,
    files: [file.path],
    query: { format: file.format, filename: basename(file.path) },
    mode: 'tus',
    filenameParam: 'filename',
    ...poll,
  });
}

/**
 * `task create`: the task, its data (upload + processing), then the optional annotations. A task
 * left half-made by a failure is removed, as cvat-core does, and the error passed on.
 */
export function createTask(client: CvatClient, args: CreateTaskArgs): Observable<TransferEvent<Created>> {
  return defer(() => client.tasks.create(taskSpec(args))).pipe(
    map((task): TransferEvent<number> => ({ type: 'result', value: task.id })),
    (created$) =>
      then(created$, (id) => {
        const poll = { pollIntervalMs: args.pollIntervalMs };
        const data$ = uploadData(client, id, args);
        const annotated$ = args.annotations
          ? then(data$, () => importFile(client, `/api/tasks/${id}/annotations/`, args.annotations!, poll))
          : data$;
        const done$ = then(annotated$, () => result<Created>({ id }));
        return cleanupOnError(done$, () => client.tasks.removeByIds([id]));
      }),
  );
}

/** `export-dataset`: start the export, wait for it, stream the result to the file. */
export function exportDataset(
  client: CvatClient,
  resource: Resource,
  args: ExportDatasetArgs,
): Observable<TransferEvent<SavedFile>> {
  const export$ = startAndWait(
    client,
    {
      url: `/api/${resource}/${args.id}/dataset/export`,
      query: { format: args.format, save_images: args.includeImages },
      operationId: `${resource}_create_dataset_export`,
    },
    args,
  );
  return then(export$, (status) => saveResult(client, status, args.filename));
}

/** `backup`: start the backup, wait for it, stream it to the file. */
export function backup(
  client: CvatClient,
  resource: Resource,
  args: BackupArgs,
): Observable<TransferEvent<SavedFile>> {
  const backup$ = startAndWait(
    client,
    { url: `/api/${resource}/${args.id}/backup/export`, operationId: `${resource}_create_backup_export` },
    args,
  );
  return then(backup$, (status) => saveResult(client, status, args.filename));
}

/** `create-from-backup`: upload the backup by TUS (echoing the server's file name), wait, emit the new id. */
export function restore(
  client: CvatClient,
  resource: Resource,
  args: RestoreArgs,
): Observable<TransferEvent<Created>> {
  const restore$ = uploadAndWait(client, {
    url: `/api/${resource}/backup/`,
    files: [args.filename],
    query: { filename: basename(args.filename) },
    mode: 'tus',
    filenameParam: 'filename',
    pollIntervalMs: args.pollIntervalMs,
  });
  return then(restore$, (status) =>
    defer(() => {
      if (status.resultId === undefined) {
        throw new RequestFailedError({
          requestId: status.id,
          serverMessage: `the restore finished without naming the new ${resource.slice(0, -1)} (no result_id)`,
        });
      }
      return result<Created>({ id: status.resultId });
    }),
  );
}

/** `import-dataset` of a task: its annotations. */
export function importTaskDataset(
  client: CvatClient,
  args: ImportDatasetArgs,
): Observable<TransferEvent<void>> {
  return then(
    importFile(
      client,
      `/api/tasks/${args.id}/annotations/`,
      { path: args.filename, format: args.format },
      args,
    ),
    () => result<void>(undefined),
  );
}
