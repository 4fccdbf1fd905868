import { getJob, jobsListed, requireJob, taskForNewJob } from '../access';
import { fieldScopes } from '../iam';
import { asObject, optEnum, optInt, reqInt } from '../body';
import type { Ctx } from '../context';
import { sendPreview } from '../data/frames';
import { badRequest } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { JobRec, JobType, TaskRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import type { State } from '../state';
import { Serializer } from '../serialize';
import { deleteJobRecords } from './tasks';
import { checkAssignee, gtJobParams, selectGtFrames } from './gt-jobs';

const STAGES = ['annotation', 'validation', 'acceptance'] as const;
const STATES = ['new', 'in progress', 'completed', 'rejected'] as const;

export function makeJob(
  state: State,
  taskId: number,
  type: JobType,
  start: number,
  stop: number,
  frames: number[] | null = null,
  parent: number | null = null,
): JobRec {
  const id = state.nextId('job');
  const t = now();
  const job: JobRec = {
    id,
    task_id: taskId,
    type,
    start_frame: start,
    stop_frame: stop,
    frames,
    stage: 'annotation',
    state: 'new',
    assignee_id: null,
    assignee_updated_date: null,
    parent_job_id: parent,
    created_date: t,
    updated_date: t,
  };
  state.jobs.set(id, job);
  return job;
}

/** Splits a task's frames into segments of `segment_size` with `overlap`, one annotation job each (plus consensus replicas). */
export function createSegments(state: State, task: TaskRec, size: number): void {
  const segment = task.segment_size > 0 ? Math.min(task.segment_size, size) : size;
  // task.py _generate_segment_params: overlap is capped at half a segment.
  const overlap = Math.min(task.overlap ?? 0, Math.floor(segment / 2));
  task.segment_size = segment;
  task.overlap = overlap;
  for (let start = 0; start < size; start += segment - overlap) {
    const stop = Math.min(start + segment - 1, size - 1);
    const job = makeJob(state, task.id, 'annotation', start, stop);
    for (let r = 0; r < task.consensus_replicas; r++)
      makeJob(state, task.id, 'consensus_replica', start, stop, null, job.id);
    if (stop === size - 1) break;
  }
}

export function jobSpec(ctx: Ctx): ListSpec<JobRec> {
  const state = ctx.emu.state;
  const task = (j: JobRec): TaskRec | undefined => state.tasks.get(j.task_id);
  return {
    fields: {
      id: (j) => j.id,
      task_id: (j) => j.task_id,
      task_name: (j) => task(j)?.name ?? null,
      project_id: (j) => task(j)?.project_id ?? null,
      project_name: (j) => {
        const p = task(j)?.project_id;
        return p == null ? null : (state.projects.get(p)?.name ?? null);
      },
      assignee: (j) => (j.assignee_id === null ? null : (state.users.get(j.assignee_id)?.username ?? null)),
      stage: (j) => j.stage,
      state: (j) => j.state,
      type: (j) => j.type,
      parent_job_id: (j) => j.parent_job_id,
      dimension: () => '2d',
      mode: () => 'annotation',
      media_type: () => 'image',
      updated_date: (j) => j.updated_date,
    },
    simple: [
      'task_id',
      'task_name',
      'project_id',
      'project_name',
      'assignee',
      'stage',
      'state',
      'type',
      'parent_job_id',
      'dimension',
      'mode',
      'media_type',
    ],
    // JobViewSet.search_fields
    search: ['task_name', 'project_name', 'assignee'],
  };
}

export function registerJobs(emu: Emulator): void {
  emu.router
    .add('GET', '/api/jobs', (ctx) => {
      const state = ctx.emu.state;
      // Consensus replicas are listed like any job (recorded fixtures/jobs.json).
      const items = [...state.jobs.values()].filter(jobsListed(ctx));
      const s = new Serializer(ctx);
      list(ctx, items, jobSpec(ctx), (j) => s.job(j));
    })
    .add('POST', '/api/jobs', async (ctx) => {
      const o = asObject(await ctx.readJson());
      // Permissions come first (the task must exist: 400 otherwise), then the serializer.
      const task = taskForNewJob(ctx, reqInt(o, 'task_id'));
      const params = gtJobParams(o);
      checkAssignee(ctx, params.assignee);
      const segments = [...ctx.emu.state.jobs.values()].filter(
        (j) => j.task_id === task.id && j.type === 'annotation',
      );
      const frames = selectGtFrames(task, segments, params);
      // A ground-truth job spans the whole task; its frames say which of them it holds.
      const size = task.data!.frames.length;
      const job = makeJob(ctx.emu.state, task.id, 'ground_truth', 0, size - 1, frames);
      if (params.assignee !== null) {
        job.assignee_id = params.assignee;
        job.assignee_updated_date = job.updated_date;
      }
      task.validation_mode = 'gt';
      ctx.json(201, new Serializer(ctx).job(job));
    })
    .add('GET', '/api/jobs/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).job(getJob(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/jobs/:id', async (ctx) => {
      const j = getJob(ctx, ctx.param('id'));
      const o = asObject(await ctx.readJson());
      requireJob(
        ctx,
        j,
        fieldScopes(o, { assignee: 'update:assignee', stage: 'update:stage', state: 'update:state' }),
      );
      const stage = optEnum(o, 'stage', STAGES);
      const st = optEnum(o, 'state', STATES);
      const assignee = optInt(o, 'assignee');
      if (assignee !== undefined && assignee !== null && !ctx.emu.state.users.has(assignee)) {
        throw badRequest({ assignee: `Invalid pk "${assignee}" - object does not exist.` });
      }
      // JobWriteSerializer.update: a new stage resets the state to "new" unless one is given;
      // the same stage sent again keeps it.
      const nextStage = stage ?? j.stage;
      j.state = st ?? (nextStage !== j.stage ? 'new' : j.state);
      j.stage = nextStage;
      if (assignee !== undefined && assignee !== j.assignee_id) {
        j.assignee_id = assignee;
        j.assignee_updated_date = now();
      }
      j.updated_date = now();
      ctx.json(200, new Serializer(ctx).job(j));
    })
    .add('DELETE', '/api/jobs/:id', (ctx) => {
      const j = getJob(ctx, ctx.param('id'), 'delete');
      const t = ctx.emu.state.tasks.get(j.task_id)!;
      if (j.type !== 'ground_truth') throw badRequest('Only ground truth jobs can be removed');
      deleteJobRecords(ctx, j);
      if (![...ctx.emu.state.jobs.values()].some((x) => x.task_id === t.id && x.type === 'ground_truth'))
        t.validation_mode = null;
      ctx.empty(204);
    })
    .add('GET', '/api/jobs/:id/preview', (ctx) => {
      const j = getJob(ctx, ctx.param('id'));
      return sendPreview(
        ctx,
        ctx.emu.state.tasks.get(j.task_id) ?? null,
        j.frames ? j.frames[0] : j.start_frame,
      );
    });
}
