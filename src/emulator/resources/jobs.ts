import { canSeeJob, getJob, getTask, requireEditor } from '../access';
import { asObject, optArray, optEnum, optInt, reqInt } from '../body';
import type { Ctx } from '../context';
import { sendPreview } from '../data/frames';
import { badRequest, forbidden } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { JobRec, JobType, TaskRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import type { State } from '../state';
import { Serializer } from '../serialize';
import { deleteJobRecords } from './tasks';

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
      let items = [...state.jobs.values()].filter(
        (j) => canSeeJob(ctx, j) && ctx.emu.orgs.inContext(ctx, state.tasks.get(j.task_id)?.org_id ?? null),
      );
      // CVAT hides consensus replicas unless asked for them.
      if (
        ctx.query.get('type') === null &&
        ctx.query.get('parent_job_id') === null &&
        !ctx.query.get('filter')?.includes('type')
      ) {
        items = items.filter((j) => j.type !== 'consensus_replica');
      }
      const s = new Serializer(ctx);
      list(ctx, items, jobSpec(ctx), (j) => s.job(j));
    })
    .add('POST', '/api/jobs', async (ctx) => {
      const o = asObject(await ctx.readJson());
      const type = optEnum(o, 'type', ['annotation', 'ground_truth', 'consensus_replica'] as const);
      if (type !== 'ground_truth') throw badRequest({ type: 'Only ground truth jobs can be created.' });
      const task = getTask(ctx, reqInt(o, 'task_id'));
      requireEditor(ctx, task.org_id, [task.owner_id, task.assignee_id]);
      if (!task.data) throw badRequest({ task_id: 'The task has no data.' });
      if ([...ctx.emu.state.jobs.values()].some((j) => j.task_id === task.id && j.type === 'ground_truth')) {
        throw badRequest({ task_id: 'Task already has a ground truth job.' });
      }
      const size = task.data.frames.length;
      let frames: number[];
      const method = o.frame_selection_method ?? 'random_uniform';
      if (method === 'manual') {
        frames = (optArray(o, 'frames') ?? [])
          .map(Number)
          .filter((f) => Number.isInteger(f) && f >= 0 && f < size);
        if (!frames.length)
          throw badRequest({ frames: 'This field is required for manual frame selection.' });
      } else if (method === 'random_uniform') {
        const count =
          optInt(o, 'frame_count') ?? Math.max(1, Math.round(size * (Number(o.frame_share) || 0.1)));
        const step = size / Math.min(count, size);
        frames = Array.from({ length: Math.min(count, size) }, (_, i) => Math.floor(i * step));
      } else {
        throw badRequest({
          frame_selection_method: `"${String(method)}" is not supported by the CVAT emulator.`,
        });
      }
      frames = [...new Set(frames)].sort((a, b) => a - b);
      const job = makeJob(
        ctx.emu.state,
        task.id,
        'ground_truth',
        frames[0]!,
        frames[frames.length - 1]!,
        frames,
      );
      task.validation_mode = 'gt';
      ctx.json(201, new Serializer(ctx).job(job));
    })
    .add('GET', '/api/jobs/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).job(getJob(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/jobs/:id', async (ctx) => {
      const j = getJob(ctx, ctx.param('id'));
      const t = ctx.emu.state.tasks.get(j.task_id)!;
      requireEditor(ctx, t.org_id, [t.owner_id, t.assignee_id, j.assignee_id]);
      const o = asObject(await ctx.readJson());
      const stage = optEnum(o, 'stage', STAGES);
      const st = optEnum(o, 'state', STATES);
      const assignee = optInt(o, 'assignee');
      if (assignee !== undefined && assignee !== null && !ctx.emu.state.users.has(assignee)) {
        throw badRequest({ assignee: `Invalid pk "${assignee}" - object does not exist.` });
      }
      if (stage) {
        j.stage = stage;
        if (!st) j.state = stage === 'acceptance' ? j.state : 'new';
      }
      if (st) j.state = st;
      if (assignee !== undefined && assignee !== j.assignee_id) {
        j.assignee_id = assignee;
        j.assignee_updated_date = now();
      }
      j.updated_date = now();
      ctx.json(200, new Serializer(ctx).job(j));
    })
    .add('DELETE', '/api/jobs/:id', (ctx) => {
      const j = getJob(ctx, ctx.param('id'));
      const t = ctx.emu.state.tasks.get(j.task_id)!;
      requireEditor(ctx, t.org_id, [t.owner_id]);
      if (j.type !== 'ground_truth') throw forbidden('Only ground truth jobs can be removed.');
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
