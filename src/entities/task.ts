import type { Observable } from 'rxjs';
import type { RequestStatus } from '../lifecycle';
import type { PatchedTaskWriteRequest, TaskRead } from '../models';
import { annotationOperations } from './annotations';
import type { AnnotationOperations } from './annotations';
import { modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { tasks } from './descriptors';
import { type Job, listJobs } from './job';
import { type Label, listLabels } from './label';
import type { JobListQuery, LabelListQuery } from './query';
import { taskStatus } from './status';
import { taskTransfers } from './operations/bindings';
import type { TaskTransfers } from './operations/bindings';
import { annotateTask } from '../auto-annotation/driver';
import type { AnnotateTaskOptions, AnnotateTaskResult } from '../auto-annotation/driver';
import type { DetectionFunction } from '../auto-annotation/function';
import type { TransferEvent } from '../transfer/progress';

/**
 * A task snapshot: CVAT's `TaskRead` fields as readonly properties (`task.name`, `task.size`, …),
 * except `jobs` and `labels`, which are the related lists here (their summaries stay in `model`).
 */
export interface Task
  extends
    Readonly<Omit<TaskRead, 'id' | 'jobs' | 'labels'>>,
    Snapshot<TaskRead>,
    Fetchable<Task>,
    Updatable<Task, PatchedTaskWriteRequest>,
    Removable,
    AnnotationOperations,
    TaskTransfers {
  /** The task's data processing (the request behind its data upload), polled until it ends; shared. */
  readonly status$: Observable<RequestStatus>;
  /** The task's jobs (`GET /api/jobs?task_id=`), whatever organization the client is scoped to. */
  jobs(query?: JobListQuery): Observable<Job>;
  /** The task's labels (`GET /api/labels?task_id=`). */
  labels(query?: LabelListQuery): Observable<Label>;
  /**
   * Runs a detection function over the task's frames and uploads its shapes: progress (frames
   * done of total), then the counts (`annotateTask` from `cvat-rx/auto-annotation`).
   */
  autoAnnotate(
    fn: DetectionFunction,
    options?: AnnotateTaskOptions,
  ): Observable<TransferEvent<AnnotateTaskResult>>;
}

/** Makes a Task from decoded data; a model without an id is a DecodeError (call it inside `map`). */
export function makeTask(ctx: ClientContext, model: TaskRead): Task {
  const { id } = snapshotOf(tasks, model);
  const { id: _id, jobs: _jobs, labels: _labels, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, tasks, id, makeTask),
    ...annotationOperations(ctx, tasks, id),
    ...taskTransfers(ctx, id),
    status$: taskStatus(ctx, id),
    jobs: (query: JobListQuery = {}) => listJobs(ctx, query, { task_id: id }),
    labels: (query: LabelListQuery = {}) => listLabels(ctx, query, { task_id: id }),
    autoAnnotate: (fn: DetectionFunction, options?: AnnotateTaskOptions) =>
      annotateTask({ context: ctx }, id, fn, options),
  });
}
