import {
  EMPTY,
  catchError,
  concat,
  defer,
  filter,
  from,
  map,
  mergeMap,
  of,
  switchMap,
  throwError,
} from 'rxjs';
import type { Observable } from 'rxjs';
import { DecodeError, UsageError, isApiError } from '../../errors';
import { TaskWriteRequest } from '../../models';
import type { DataRequest } from '../../models';
import type { ProgressEvent, TransferEvent } from '../../transfer/progress';
import type { UploadSource } from '../../transfer/source';
import { ResumeState, identityOf, recordKey } from '../../transfer/resume';
import type { ResumeOptions } from '../../transfer/resume';
import { uploadSession } from '../../transfer/upload-session';
import { decodeOrThrow } from '../../transport/decode';
import type { JsonValue } from '../../transport/types';
import { tasks } from '../descriptors';
import { toJson } from '../json';
import { createData, itemUrl, removeData, resourceRequest, retrieveData } from '../resource';
import { makeTask } from '../task';
import type { Task } from '../task';
import { removeOnCancel } from './cancel-cleanup';
import type { CancelCleanupOptions } from './cancel-cleanup';
import { TaskCreationError } from './errors';
import { importEvents } from './imports';
import { observeAs } from './observe';
import type { ObserveOptions, Observed } from './observe';
import { platformOf } from './platform';
import type { OperationsContext } from '../context';
import type { UploadInput } from './platform';
import { followRequest, rqIdOf } from './processing';

/** Where task data comes from. */
export const ResourceType = {
  /** Files sent from this machine (paths in Node, Files and Blobs in browsers). */
  Local: 'local',
  /** Paths on the server's share, or in a cloud storage (`dataParams.cloud_storage_id`). */
  Share: 'share',
  /** URLs the server downloads. */
  Remote: 'remote',
} as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

/** The data parameters CVAT's SDK passes on (`Task.upload_data`), plus `frame_step`. */
export type DataParams = Pick<
  DataRequest,
  | 'chunk_size'
  | 'copy_data'
  | 'image_quality'
  | 'sorting_method'
  | 'start_frame'
  | 'stop_frame'
  | 'use_cache'
  | 'use_zip_chunks'
  | 'job_file_mapping'
  | 'filename_pattern'
  | 'cloud_storage_id'
  | 'server_files_exclude'
  | 'validation_params'
  | 'storage_method'
  | 'frame_filter'
> & {
  /** Every N-th frame: sent as `frame_filter: 'step=N'`. */
  readonly frame_step?: number;
};

const DATA_PARAM_KEYS: ReadonlySet<string> = new Set([
  'chunk_size',
  'copy_data',
  'image_quality',
  'sorting_method',
  'start_frame',
  'stop_frame',
  'use_cache',
  'use_zip_chunks',
  'job_file_mapping',
  'filename_pattern',
  'cloud_storage_id',
  'server_files_exclude',
  'validation_params',
  'storage_method',
  'frame_filter',
  'frame_step',
]);

/** CVAT's SDK default. */
export const DEFAULT_IMAGE_QUALITY = 70;

export interface TaskDataParams {
  /** Default `ResourceType.Local`. */
  readonly resourceType?: ResourceType;
  /** Local: files (see UploadInput); Share: paths on the share or cloud storage; Remote: URLs. */
  readonly resources: readonly UploadInput[];
  readonly dataParams?: DataParams;
}

/** Tuning of the local upload (defaults are CVAT-safe). */
export interface UploadTuning {
  /** Bulk groups and TUS files in flight at once (default 2). */
  readonly concurrency?: number;
  /** The largest multipart request in bytes of file data (default 100 MiB, CVAT's ceiling). */
  readonly maxRequestSize?: number;
  /** Bytes per TUS PATCH, fixed (default: 10 MiB at first, doubling per accepted chunk up to 100 MiB). */
  readonly chunkSize?: number;
  /** Failed TUS chunks resumed per file, and times a failed bulk group is resent (default 3). */
  readonly maxRetries?: number;
  /** The first wait before a resume or a resend, doubled per failure in a row (default 1000 ms). */
  readonly retryDelayMs?: number;
}

export interface UploadDataOptions extends ObserveOptions {
  readonly upload?: UploadTuning;
  /**
   * Makes a local upload resumable after the process dies (see `src/transfer/resume.ts`): what
   * was sent is recorded in `store`, keyed by the files' identities; a later call with the same
   * files (and, for `createFromData`, the same task name) finds the task, asks the server what
   * it holds, sends only the rest and finishes. `fileStore(path)` from `cvat-rx/node`,
   * `localStorageStore()` in browsers.
   */
  readonly resume?: ResumeOptions;
  /**
   * `false`: emit the id of the processing request (rq_id) as soon as the server accepted the
   * data, without waiting for the processing; follow it with `client.requests.watch(rqId)` or
   * `task.status$`. Default true: wait, then emit the fresh Task.
   */
  readonly wait?: boolean;
}

/** What `uploadData` emits: the fresh Task, or the request id with `{ wait: false }`. */
export type UploadDataResult<O> = O extends { readonly wait: false } ? string : Task;

export interface CreateTaskFromDataParams extends TaskDataParams {
  readonly spec: TaskWriteRequest;
  /** An annotation file imported once the data is processed. */
  readonly annotationPath?: UploadInput;
  /** Default `CVAT 1.1` (CVAT's SDK default). */
  readonly annotationFormat?: string;
}

export interface CreateFromDataOptions extends Omit<UploadDataOptions, 'wait'>, CancelCleanupOptions {
  /**
   * Remove the task when a later step fails (default true, as CVAT's own UI does; with `resume`,
   * false: the task and its record are kept for the next attempt).
   */
  readonly cleanupOnError?: boolean;
}

/** Validated data, ready to send. */
interface PreparedData {
  readonly resourceType: ResourceType;
  readonly sources: readonly UploadSource[];
  readonly paths: readonly string[];
  readonly body: { readonly [key: string]: JsonValue | undefined };
}

/**
 * The JSON fields of the data request: image_quality 70 unless given, `frame_step` as
 * `frame_filter`, unknown keys refused (a typo would otherwise be silently ignored).
 */
export function dataBody(params: DataParams = {}): { readonly [key: string]: JsonValue | undefined } {
  for (const key of Object.keys(params)) {
    if (!DATA_PARAM_KEYS.has(key)) throw new UsageError(`Unknown data parameter "${key}"`);
  }
  const { frame_step: step, ...rest } = params;
  if (step !== undefined) {
    if (!Number.isInteger(step) || step < 1)
      throw new UsageError(`frame_step must be an integer >= 1, got ${step}`);
    if (rest.frame_filter !== undefined) throw new UsageError('Give frame_step or frame_filter, not both');
  }
  checkServerRules(rest);
  const quality = rest.image_quality ?? DEFAULT_IMAGE_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new UsageError(`image_quality must be an integer in [1, 100], got ${quality}`);
  }
  const json = toJson({
    ...rest,
    image_quality: quality,
    ...(step === undefined ? {} : { frame_filter: `step=${step}` }),
  });
  if (!isJsonObject(json)) throw new UsageError('Invalid data parameters');
  return json;
}

/**
 * What CVAT's DataSerializer refuses at once (a 400 after the task was already created), refused
 * here before any request: chunk_size 0, start_frame after stop_frame, a file twice in
 * job_file_mapping, a frame_filter without `step=N`.
 */
function checkServerRules(p: Omit<DataParams, 'frame_step'>): void {
  const nonNegative = (name: string, v: number | null | undefined): void => {
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 0))
      throw new UsageError(`${name} must be an integer >= 0, got ${v}`);
  };
  nonNegative('start_frame', p.start_frame);
  nonNegative('stop_frame', p.stop_frame);
  if (
    p.chunk_size !== undefined &&
    p.chunk_size !== null &&
    (!Number.isInteger(p.chunk_size) || p.chunk_size < 1)
  )
    throw new UsageError(`chunk_size must be a positive integer, got ${p.chunk_size}`);
  if (p.start_frame != null && p.stop_frame != null && p.start_frame > p.stop_frame)
    throw new UsageError(`start_frame (${p.start_frame}) is after stop_frame (${p.stop_frame})`);
  if (p.frame_filter !== undefined && !/step\s*=\s*[1-9]\d*/.test(p.frame_filter))
    throw new UsageError(`frame_filter must be "step=N", got "${p.frame_filter}"`);
  const seen = new Set<string>();
  for (const name of (p.job_file_mapping ?? []).flat()) {
    if (seen.has(name)) throw new UsageError(`job_file_mapping lists "${name}" twice`);
    seen.add(name);
  }
}

function isJsonObject(value: JsonValue): value is { readonly [key: string]: JsonValue | undefined } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the inputs and opens local files (UsageError before any request). */
function prepareData(ctx: OperationsContext, params: TaskDataParams): Observable<PreparedData> {
  return defer(() => {
    const resourceType = params.resourceType ?? ResourceType.Local;
    const body = dataBody(params.dataParams);
    if (!Array.isArray(params.resources) || params.resources.length === 0)
      throw new UsageError('No files to upload');
    if (resourceType === ResourceType.Local) {
      return platformOf(ctx)
        .resolveSources(params.resources)
        .pipe(map((sources): PreparedData => ({ resourceType, sources, paths: [], body })));
    }
    if (resourceType !== ResourceType.Share && resourceType !== ResourceType.Remote) {
      throw new UsageError(`Unknown resource type ${String(resourceType)}`);
    }
    const paths = params.resources.map((resource) => {
      if (typeof resource !== 'string' || resource === '') {
        throw new UsageError(`${resourceType} resources must be non-empty strings (paths or URLs)`);
      }
      return resource;
    });
    if (new Set(paths).size !== paths.length) throw new UsageError('A resource is listed twice');
    return of<PreparedData>({ resourceType, sources: [], paths, body });
  });
}

/** Sends prepared data to a task: upload progress, then the rq_id of the processing it started. */
function startData(
  ctx: OperationsContext,
  taskId: number,
  data: PreparedData,
  tuning: UploadTuning = {},
  resume?: ResumeState,
): Observable<TransferEvent<string>> {
  const url = `${itemUrl(tasks, taskId)}/data/`;
  return data.resourceType === ResourceType.Local
    ? uploadSession(ctx.transport, {
        url,
        sources: data.sources,
        finishBody: data.body,
        bulkFields: { image_quality: Number(data.body['image_quality'] ?? DEFAULT_IMAGE_QUALITY) },
        ...(tuning.concurrency === undefined ? {} : { concurrency: tuning.concurrency }),
        ...(tuning.maxRequestSize === undefined ? {} : { maxRequestSize: tuning.maxRequestSize }),
        ...(resume ? { resume } : {}),
        tus: {
          ...(tuning.chunkSize === undefined ? {} : { chunkSize: tuning.chunkSize }),
          ...(tuning.maxRetries === undefined ? {} : { maxRetries: tuning.maxRetries }),
          ...(tuning.retryDelayMs === undefined ? {} : { retryDelayMs: tuning.retryDelayMs }),
        },
      }).pipe(
        map((event): TransferEvent<string> =>
          event.type === 'result'
            ? { type: 'result', value: rqIdOf(event.value.response, 'upload_finish') }
            : event,
        ),
      )
    : ctx.transport
        .request(
          resourceRequest(tasks, 'POST', url, 'create_data', {
            body: {
              ...data.body,
              [data.resourceType === ResourceType.Share ? 'server_files' : 'remote_files']: [...data.paths],
            },
          }),
        )
        .pipe(
          map((response): TransferEvent<string> => ({
            type: 'result',
            value: rqIdOf(response, 'tasks_create_data'),
          })),
        );
}

/** Sends prepared data to a task and follows its processing: upload, then processing progress. */
function sendData(
  ctx: OperationsContext,
  taskId: number,
  data: PreparedData,
  tuning: UploadTuning = {},
  resume?: ResumeState,
): Observable<ProgressEvent> {
  return startData(ctx, taskId, data, tuning, resume).pipe(
    mergeMap((event): Observable<ProgressEvent> =>
      event.type === 'progress'
        ? of(event)
        : followRequest(ctx, event.value).pipe(filter((e): e is ProgressEvent => e.type === 'progress')),
    ),
  );
}

function fetchTask(ctx: OperationsContext, taskId: number): Observable<Task> {
  return retrieveData(ctx, tasks, taskId).pipe(map((model) => makeTask(ctx, model)));
}

/** A task spec checked against CVAT's schema and the SDK's rule on project_id + labels. */
export function checkTaskSpec(spec: unknown): TaskWriteRequest {
  let decoded: TaskWriteRequest;
  try {
    decoded = decodeOrThrow(TaskWriteRequest, spec);
  } catch (error) {
    const issues = error instanceof DecodeError ? error.issues.join('; ') : String(error);
    throw new UsageError(`Invalid task spec: ${issues}`, { cause: error });
  }
  if (decoded.name.trim() === '') throw new UsageError('Invalid task spec: the name is empty');
  if (decoded.project_id !== undefined && decoded.project_id !== null && (decoded.labels?.length ?? 0) > 0) {
    throw new UsageError(
      'Invalid task spec: give project_id or labels, not both (a project task uses its labels)',
    );
  }
  return decoded;
}

/**
 * Attaches data to an existing task (`POST /api/tasks/{id}/data/`): local files by CVAT's upload
 * protocol (Upload-Start, bulk groups and TUS, Upload-Finish with every data parameter), share
 * paths and URLs in one JSON request; then follows the processing and emits the fresh Task (or,
 * with `wait: false`, the processing request's id once the data is accepted).
 */
export function uploadTaskData<O extends UploadDataOptions | undefined = undefined>(
  ctx: OperationsContext,
  taskId: number,
  params: TaskDataParams,
  options?: O,
): Observable<Observed<UploadDataResult<O>, O>> {
  const events$ = prepareData(ctx, params).pipe(
    switchMap((data) =>
      openResume(options?.resume, `task-data:${taskId}`, data).pipe(
        switchMap((resume): Observable<TransferEvent<Task | string>> => {
          if (options?.wait === false) return startData(ctx, taskId, data, options.upload, resume);
          return concat<TransferEvent<Task>[]>(
            sendData(ctx, taskId, data, options?.upload, resume),
            fetchTask(ctx, taskId).pipe(map((task) => ({ type: 'result' as const, value: task }))),
          );
        }),
      ),
    ),
  );
  // The branch taken follows `options.wait`, which is what UploadDataResult<O> reads.
  return observeAs(events$ as Observable<TransferEvent<UploadDataResult<O>>>, options);
}

/**
 * Creates a task and its data, as CVAT's SDK `create_from_data`: every input is checked first
 * (UsageError, nothing created), then `POST /api/tasks`, the data upload and its processing, the
 * optional annotation import, and the fresh Task. When a step after the creation fails, the task
 * is removed (unless `cleanupOnError: false`) and a TaskCreationError says so, with the original
 * error as its cause. Unsubscribing stops everything and sends nothing more, unless
 * `cleanupOnCancel: true`: then the created task is removed (best effort, see CancelCleanupOptions).
 * With `observe: 'events'`: the data upload and its processing, then the Task; the annotation
 * import (a second upload and request) reports no progress of its own, so each phase stays monotonic.
 */
export function createTaskFromData<O extends CreateFromDataOptions | undefined = undefined>(
  ctx: OperationsContext,
  params: CreateTaskFromDataParams,
  options?: O,
): Observable<Observed<Task, O>> {
  const events$ = defer(() => {
    const spec = checkTaskSpec(params.spec);
    const annotation = params.annotationPath;
    const annotation$: Observable<UploadSource | undefined> =
      annotation === undefined
        ? of(undefined)
        : platformOf(ctx)
            .resolveSources([annotation])
            .pipe(map((sources) => sources[0]));
    return prepareData(ctx, params).pipe(
      switchMap((data) => annotation$.pipe(map((annotationSource) => ({ data, annotationSource })))),
      switchMap(({ data, annotationSource }) =>
        openResume(options?.resume, `create-task:${JSON.stringify(spec.name)}`, data).pipe(
          map((resume) => ({ data, annotationSource, resume })),
        ),
      ),
      switchMap(({ data, annotationSource, resume }) =>
        taskFor(ctx, spec, resume).pipe(
          switchMap((taskId) => {
            const steps$ = concat<TransferEvent<Task>[]>(
              sendData(ctx, taskId, data, options?.upload, resume),
              annotationSource === undefined
                ? EMPTY
                : importEvents(ctx, 'tasks', taskId, annotationSource, {
                    format: params.annotationFormat ?? 'CVAT 1.1',
                  }).pipe(switchMap(() => EMPTY)),
              fetchTask(ctx, taskId).pipe(map((task) => ({ type: 'result' as const, value: task }))),
            );
            const cleanup = options?.cleanupOnError ?? resume === undefined;
            return removeOnCancel(
              steps$.pipe(
                catchError((error: unknown) =>
                  // A removed task cannot be resumed: its record goes too.
                  concat(
                    cleanup && resume
                      ? from(resume.clear().catch(() => undefined)).pipe(switchMap(() => EMPTY))
                      : EMPTY,
                    failCreation(ctx, taskId, error, cleanup),
                  ),
                ),
              ),
              { what: `task ${taskId}`, id: taskId },
              () => removeData(ctx, tasks, taskId),
              options,
              (event) => event.type === 'result',
            );
          }),
        ),
      ),
    );
  });
  return observeAs(events$, options);
}

/**
 * The resume record of a local upload (none for share and remote resources, or without `resume`),
 * keyed by `scope` and the files' identities.
 */
function openResume(
  resume: ResumeOptions | undefined,
  scope: string,
  data: PreparedData,
): Observable<ResumeState | undefined> {
  if (resume === undefined || data.resourceType !== ResourceType.Local) return of(undefined);
  return defer(() => ResumeState.open(resume.store, recordKey(scope, data.sources.map(identityOf))));
}

/**
 * The task of a createFromData: the one a resumed record names, when the server still has it;
 * otherwise a new one, recorded before any data is sent (so a crash after this point resumes it).
 */
function taskFor(
  ctx: OperationsContext,
  spec: TaskWriteRequest,
  resume: ResumeState | undefined,
): Observable<number> {
  const create$ = createData(ctx, tasks, spec).pipe(
    switchMap((model) => {
      const taskId = model.id;
      if (taskId === undefined)
        return throwError(() => new UsageError('The server created a task without an id'));
      return resume
        ? from(resume.update(() => ({ version: 1, taskId }))).pipe(map(() => taskId))
        : of(taskId);
    }),
  );
  const recorded = resume?.record.taskId;
  if (recorded === undefined) return create$;
  return retrieveData(ctx, tasks, recorded).pipe(
    map(() => recorded),
    catchError((error: unknown) =>
      isApiError(error) && error.status === 404 ? create$ : throwError(() => error),
    ),
  );
}

function failCreation(
  ctx: OperationsContext,
  taskId: number,
  cause: unknown,
  cleanup: boolean,
): Observable<never> {
  if (!cleanup) return throwError(() => new TaskCreationError({ taskId, removed: false, cause }));
  return removeData(ctx, tasks, taskId).pipe(
    catchError((cleanupError: unknown) =>
      throwError(() => new TaskCreationError({ taskId, removed: false, cause, cleanupError })),
    ),
    switchMap(() => throwError(() => new TaskCreationError({ taskId, removed: true, cause }))),
  );
}
