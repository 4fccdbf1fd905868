import { getJob, getTask } from '../access';
import { canSeeTask, requireTaskEditor } from '../parity-access';
import { asObject, optInt } from '../body';
import { replaceAnnotations } from '../annotations';
import type { Ctx } from '../context';
import { jobFrames } from '../data/frames';
import { badRequest, notFound } from '../errors';
import { jobAnnotationsOf } from '../job-annotations';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { JobRec, JsonObject, TaskRec } from '../model';
import { annotationsOn, iou } from '../quality/compare';
import type { Annotation } from '../quality/compare';
import { qualityStore } from '../quality/store';
import type { ConsensusSettingsRec, QualityStore } from '../quality/store';
import { enqueue, rqId } from '../requests';
import type { Emulator } from '../server';

/** CVAT's default quorum: an annotation is kept when at least half of the replicas agree on it. */
const QUORUM = 0.5;

const settingsSpec: ListSpec<ConsensusSettingsRec> = {
  fields: { id: (s) => s.id, task_id: (s) => s.task_id },
  simple: ['task_id'],
  search: [],
  defaultSort: 'id',
};

function consensusTasks(ctx: Ctx): TaskRec[] {
  return [...ctx.emu.state.tasks.values()].filter(
    (t) => t.consensus_replicas > 0 && canSeeTask(ctx, t) && ctx.emu.orgs.inContext(ctx, t.org_id),
  );
}

function getSettings(ctx: Ctx, store: QualityStore): ConsensusSettingsRec {
  for (const t of consensusTasks(ctx)) store.consensusOf(t.id);
  const s = store.consensus.get(ctx.param('id'));
  const task = s ? ctx.emu.state.tasks.get(s.task_id) : undefined;
  if (!s || !task || !canSeeTask(ctx, task)) throw notFound();
  return s;
}

interface Cluster {
  readonly members: Array<{ replica: number; annotation: Annotation; source: JsonObject }>;
}

/**
 * The replicas' agreement on one frame: shapes are grouped greedily by IoU (one per replica per
 * group), tags by label; a group seen by at least the quorum of replicas is kept, with the label
 * most of them gave and the first member's geometry.
 */
function mergeFrame(
  frame: number,
  replicas: readonly JobRec[],
  threshold: number,
  state: Ctx['emu']['state'],
): { tags: JsonObject[]; shapes: JsonObject[] } {
  const needed = Math.max(1, Math.ceil(replicas.length * QUORUM));
  const shapeClusters: Cluster[] = [];
  const tagVotes = new Map<number, { count: number; source: JsonObject }>();
  replicas.forEach((replica, index) => {
    const store = jobAnnotationsOf(state, replica.id);
    const annotations = annotationsOn(frame, replica.id, store);
    const seenTags = new Set<number>();
    for (const a of annotations) {
      if (a.kind === 'tag') {
        if (seenTags.has(a.labelId)) continue;
        seenTags.add(a.labelId);
        const source = store.tags.find((o) => o.id === a.id)!;
        const vote = tagVotes.get(a.labelId) ?? { count: 0, source };
        vote.count += 1;
        tagVotes.set(a.labelId, vote);
        continue;
      }
      const source = store.shapes.find((o) => o.id === a.id)!;
      const target = shapeClusters.find(
        (c) =>
          !c.members.some((m) => m.replica === index) &&
          iou(c.members[0]!.annotation.box, a.box) >= threshold,
      );
      if (target) target.members.push({ replica: index, annotation: a, source });
      else shapeClusters.push({ members: [{ replica: index, annotation: a, source }] });
    }
  });
  const copy = (o: JsonObject, labelId: number): JsonObject => {
    const { id: _id, ...rest } = o;
    return { ...rest, label_id: labelId, frame };
  };
  const shapes = shapeClusters
    .filter((c) => c.members.length >= needed)
    .map((c) => {
      const counts = new Map<number, number>();
      for (const m of c.members)
        counts.set(m.annotation.labelId, (counts.get(m.annotation.labelId) ?? 0) + 1);
      const label = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      return copy(c.members[0]!.source, label);
    });
  const tags = [...tagVotes.entries()]
    .filter(([, vote]) => vote.count >= needed)
    .map(([label, vote]) => copy(vote.source, label));
  return { tags, shapes };
}

/** Writes the merged annotations of every replica group into its annotation job. */
function mergeJob(ctx: Ctx, task: TaskRec, job: JobRec, threshold: number): void {
  const state = ctx.emu.state;
  const replicas = [...state.jobs.values()].filter(
    (j) => j.parent_job_id === job.id && j.type === 'consensus_replica',
  );
  const merged = { tags: [] as JsonObject[], shapes: [] as JsonObject[], tracks: [] as JsonObject[] };
  for (const frame of jobFrames(job)) {
    const result = mergeFrame(frame, replicas, threshold, state);
    merged.tags.push(...result.tags);
    merged.shapes.push(...result.shapes);
  }
  replaceAnnotations(ctx, { task, job }, merged);
}

async function createMerge(ctx: Ctx, store: QualityStore): Promise<void> {
  const o = asObject(await ctx.readJson());
  const taskId = optInt(o, 'task_id') ?? null;
  const jobId = optInt(o, 'job_id') ?? null;
  if ((taskId === null) === (jobId === null))
    throw badRequest({ non_field_errors: 'Exactly one of task_id or job_id must be specified' });
  const job = jobId === null ? undefined : getJob(ctx, jobId);
  const task = getTask(ctx, taskId ?? job!.task_id);
  requireTaskEditor(ctx, task);
  if (task.consensus_replicas === 0) throw badRequest('Consensus is not enabled in this task');
  if (job && job.type !== 'annotation')
    throw badRequest('Consensus merging is only available for annotation jobs');
  const target = job ? 'job' : 'task';
  const id = rqId({ action: 'merge', target, target_id: job?.id ?? task.id });
  const threshold = store.consensusOf(task.id).iou_threshold;
  enqueue(
    ctx,
    id,
    {
      type: `merge:${target}`,
      target,
      task_id: task.id,
      job_id: job?.id ?? null,
      project_id: task.project_id,
    },
    async (progress) => {
      const jobs = job
        ? [job]
        : [...ctx.emu.state.jobs.values()].filter((j) => j.task_id === task.id && j.type === 'annotation');
      for (const [i, j] of jobs.entries()) {
        mergeJob(ctx, task, j, threshold);
        await progress((i + 1) / jobs.length);
      }
    },
  );
  ctx.json(202, { rq_id: id });
}

export function registerConsensus(emu: Emulator): void {
  const store = qualityStore(emu);
  emu.router
    .add('GET', '/api/consensus/settings', (ctx) => {
      const tasks = consensusTasks(ctx);
      const taskId = ctx.query.get('task_id');
      if (taskId !== null) getTask(ctx, Number(taskId));
      list(
        ctx,
        tasks.map((t) => store.consensusOf(t.id)),
        settingsSpec,
        (s) => ({ ...s }),
      );
    })
    .add('GET', '/api/consensus/settings/:id', (ctx) => ctx.json(200, { ...getSettings(ctx, store) }))
    .add('PATCH', '/api/consensus/settings/:id', async (ctx) => {
      const s = getSettings(ctx, store);
      const task = getTask(ctx, s.task_id);
      requireTaskEditor(ctx, task);
      const o = asObject(await ctx.readJson());
      const v = o.iou_threshold;
      if (v !== undefined) {
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw badRequest({ iou_threshold: 'A valid number is required.' });
        if (v < 0 || v > 1)
          throw badRequest({
            iou_threshold: 'Ensure this value is less than or equal to 1 and greater than or equal to 0.',
          });
        s.iou_threshold = v;
      }
      ctx.json(200, { ...s });
    })
    .add('POST', '/api/consensus/merges', (ctx) => createMerge(ctx, store));
}
