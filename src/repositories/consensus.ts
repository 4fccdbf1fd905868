import { defer, map, mergeMap, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { ClientContext } from '../entities/context';
import { observeAs } from '../entities/operations/observe';
import type { ObserveOptions, Observed } from '../entities/operations/observe';
import { followRequest, rqIdOf } from '../entities/operations/processing';
import { fetchPage, patchData } from '../entities/resource';
import type { ResourceDescriptor } from '../entities/resource';
import type { RequestStatus } from '../lifecycle';
import { ConsensusSettings, PaginatedConsensusSettingsList } from '../models';
import type { PatchedConsensusSettingsRequest } from '../models';
import type { TransferEvent } from '../transfer/progress';

/** What a merge covers: every annotation job of a task, or one annotation job. */
export type ConsensusTarget = { readonly taskId: number } | { readonly jobId: number };

/** Consensus: settings of a task with consensus replicas, and merging the replicas (`/api/consensus`). */
export interface ConsensusRepository {
  /** The consensus settings of a task (tasks with `consensus_replicas > 0` have them). */
  settings(taskId: number): Observable<ConsensusSettings>;
  /** Changes them (`iou_threshold`) and emits them as saved. */
  updateSettings(taskId: number, patch: PatchedConsensusSettingsRequest): Observable<ConsensusSettings>;
  /**
   * Merges the replicas' annotations into their annotation jobs (`POST /api/consensus/merges`,
   * then the request, followed to its end); emits the request's final status, or processing
   * progress then the result with `observe: 'events'`.
   */
  merge<O extends ObserveOptions | undefined = undefined>(
    target: ConsensusTarget,
    options?: O,
  ): Observable<Observed<RequestStatus, O>>;
}

const settings: ResourceDescriptor<ConsensusSettings, PaginatedConsensusSettingsList> = {
  tag: 'consensus',
  path: '/api/consensus/settings',
  read: ConsensusSettings,
  page: PaginatedConsensusSettingsList,
  idOf: (s) => s.id,
};

function checkId(name: string, id: unknown): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)
    throw new UsageError(`${name} must be a positive integer`);
  return id;
}

function settingsOf(ctx: ClientContext, taskId: number): Observable<ConsensusSettings> {
  return defer(() =>
    fetchPage(ctx, settings, { task_id: checkId('taskId', taskId), page: 1, page_size: 1 }),
  ).pipe(
    map((page) => {
      const found = page.results[0];
      if (!found)
        throw new UsageError(`Task ${taskId} has no consensus settings: it has no consensus replicas`);
      return found;
    }),
  );
}

function merge(ctx: ClientContext, target: ConsensusTarget): Observable<TransferEvent<RequestStatus>> {
  return defer(() => {
    const body =
      'taskId' in target
        ? { task_id: checkId('taskId', target.taskId) }
        : 'jobId' in target
          ? { job_id: checkId('jobId', target.jobId) }
          : undefined;
    if (body === undefined) throw new UsageError('Give { taskId } or { jobId }');
    return ctx.transport.request({
      method: 'POST',
      url: '/api/consensus/merges',
      body,
      operationId: 'consensus_create_merge',
    });
  }).pipe(mergeMap((response) => followRequest(ctx, rqIdOf(response, 'consensus_create_merge'))));
}

export function makeConsensusRepository(ctx: ClientContext): ConsensusRepository {
  return {
    settings: (taskId) => settingsOf(ctx, taskId),
    updateSettings: (taskId, patch) =>
      settingsOf(ctx, taskId).pipe(
        switchMap((current) => {
          if (current.id === undefined)
            throw new UsageError('The server sent consensus settings without an id');
          return patchData(ctx, settings, current.id, patch);
        }),
      ),
    merge: (target, options) => observeAs(merge(ctx, target), options),
  };
}
