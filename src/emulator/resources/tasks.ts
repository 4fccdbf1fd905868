import { getProject, getTask, requireCreate, requireTask, tasksListed } from '../access';
import { fieldScopes } from '../iam';
import type { TaskScope } from '../iam';
import { asObject, optArray, optInt, optString, reqString } from '../body';
import type { Ctx } from '../context';
import { sendTaskPreview } from '../data/getter';
import { plainText } from '../plain';
import { badRequest, detail, HttpError } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { JobRec, JsonObject, ProjectRec, TaskRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import { Serializer } from '../serialize';
import { storage, userId } from './common';
import { applyLabels, deleteLabel } from './labels';
import { addLabelsFieldErrors } from './label-validation';

export function taskSpec(ctx: Ctx): ListSpec<TaskRec> {
  const state = ctx.emu.state;
  const username = (id: number | null): string | null =>
    id === null ? null : (state.users.get(id)?.username ?? null);
  // TaskViewSet: search_fields, simple_filters, filter_fields (= ordering_fields), ordering -id.
  const search = ['project_name', 'name', 'owner', 'assignee', 'subset', 'tracker_link'] as const;
  return {
    fields: {
      project_name: (t) => (t.project_id === null ? null : (state.projects.get(t.project_id)?.name ?? null)),
      name: (t) => t.name,
      owner: (t) => username(t.owner_id),
      assignee: (t) => username(t.assignee_id),
      subset: (t) => t.subset,
      tracker_link: (t) => t.bug_tracker,
      project_id: (t) => t.project_id,
      status: (t) => t.status,
      media_type: (t) => (t.data ? 'image' : ''),
      mode: (t) => (t.data ? 'annotation' : ''),
      dimension: (t) => (t.data ? '2d' : ''),
      validation_mode: (t) => t.validation_mode,
      id: (t) => t.id,
      updated_date: (t) => t.updated_date,
    },
    simple: [...search, 'project_id', 'status', 'media_type', 'mode', 'dimension', 'validation_mode'],
    search,
  };
}

export function createTask(ctx: Ctx, raw: unknown): TaskRec {
  const o = asObject(raw);
  const user = ctx.requireUser();
  const state = ctx.emu.state;
  checkTaskFields(o, false);
  const name = reqString(o, 'name');
  const projectId = optInt(o, 'project_id') ?? null;
  let orgId = ctx.emu.orgs.createIn(ctx);
  // TaskWriteSerializer.create: errors raised while saving answer a plain list.
  if (projectId !== null && optArray(o, 'labels')?.length)
    throw badRequest('Task must have only one of Label set or project_id');
  if (projectId !== null) {
    const p = state.projects.get(projectId);
    if (!p) throw badRequest(`The specified project #${projectId} does not exist.`);
    getProject(ctx, projectId);
    if (ctx.org.kind === 'all') orgId = p.org_id;
    if (p.org_id !== orgId) throw badRequest('The task and its project should be in the same organization.');
  }
  const segmentSize = optInt(o, 'segment_size') ?? 0;
  const overlap = optInt(o, 'overlap') ?? null;
  const replicas = optInt(o, 'consensus_replicas') ?? 0;
  const id = state.nextId('task');
  const t = now();
  const task: TaskRec = {
    id,
    name,
    project_id: projectId,
    owner_id: userId(ctx, optInt(o, 'owner_id'), 'owner_id') ?? user.id,
    assignee_id: userId(ctx, optInt(o, 'assignee_id'), 'assignee_id') ?? null,
    assignee_updated_date: null,
    bug_tracker: optString(o, 'bug_tracker') ?? '',
    org_id: orgId,
    overlap,
    segment_size: segmentSize,
    subset: optString(o, 'subset') ?? '',
    status: 'annotation',
    created_date: t,
    updated_date: t,
    consensus_replicas: replicas,
    validation_mode: null,
    source_storage: storage(ctx, o.source_storage, 'source_storage') ?? null,
    target_storage: storage(ctx, o.target_storage, 'target_storage') ?? null,
    data: null,
    data_rq_id: null,
  };
  state.tasks.set(id, task);
  try {
    if (projectId === null) applyLabels(ctx, optArray(o, 'labels'), { project_id: null, task_id: id });
  } catch (e) {
    deleteTask(ctx, task);
    throw e;
  }
  return task;
}

/** TaskWriteSerializer's field validation: every field's errors answered together. */
function checkTaskFields(o: JsonObject, partial: boolean): void {
  const errors: Record<string, unknown> = {};
  // Write-once fields are read-only on update: DRF ignores them there.
  for (const k of partial ? [] : ['segment_size', 'overlap', 'consensus_replicas']) {
    const v = o[k];
    if (v === undefined || v === null) continue;
    const n = typeof v === 'number' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? Number(v) : NaN;
    if (!Number.isInteger(n)) errors[k] = ['A valid integer is required.'];
    else if (n < 0) errors[k] = ['Ensure this value is greater than or equal to 0.'];
    else if (k === 'consensus_replicas' && (n === 1 || n > MAX_CONSENSUS_REPLICAS))
      errors[k] = [
        `Consensus replicas must be 0 or a positive number more than 1 and less than ${MAX_CONSENSUS_REPLICAS + 1}, got ${n}`,
      ];
  }
  addLabelsFieldErrors(errors, o.labels, { partial });
  if (Object.keys(errors).length) throw new HttpError(400, errors);
}

/** settings.MAX_CONSENSUS_REPLICAS */
const MAX_CONSENSUS_REPLICAS = 11;

export function deleteTask(ctx: Ctx, t: TaskRec): void {
  const state = ctx.emu.state;
  for (const j of [...state.jobs.values()]) if (j.task_id === t.id) deleteJobRecords(ctx, j);
  for (const l of [...state.labels.values()]) if (l.task_id === t.id) deleteLabel(ctx, l.id);
  state.annotations.delete(t.id);
  state.tasks.delete(t.id);
}

export function deleteJobRecords(ctx: Ctx, j: JobRec): void {
  const state = ctx.emu.state;
  for (const i of [...state.issues.values()]) {
    if (i.job_id !== j.id) continue;
    for (const c of [...state.comments.values()]) if (c.issue_id === i.id) state.comments.delete(c.id);
    state.issues.delete(i.id);
  }
  state.jobs.delete(j.id);
}

/** The project a create request names, for `create@project` (an unknown id is the serializer's 400). */
function projectOf(ctx: Ctx, body: unknown): ProjectRec | undefined {
  const o = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as JsonObject) : {};
  const id = o.project_id ?? o.project;
  return typeof id === 'number' ? ctx.emu.state.projects.get(id) : undefined;
}

/** CVAT checks one scope per changed field of a task (TaskPermission.get_scopes). */
const FIELD_SCOPES: Record<string, TaskScope> = {
  owner_id: 'update:owner',
  assignee_id: 'update:assignee',
  project_id: 'update:project',
  name: 'update:desc',
  labels: 'update:desc',
  bug_tracker: 'update:desc',
  subset: 'update:desc',
  organization: 'update:organization',
  source_storage: 'update:associated_storage',
  target_storage: 'update:associated_storage',
};

export function registerTasks(emu: Emulator): void {
  emu.router
    .add('GET', '/api/tasks', (ctx) => {
      const items = [...ctx.emu.state.tasks.values()].filter(tasksListed(ctx));
      const s = new Serializer(ctx);
      list(ctx, items, taskSpec(ctx), (t) => s.task(t));
    })
    .add('POST', '/api/tasks', async (ctx) => {
      const body = await ctx.readJson();
      requireCreate(ctx, projectOf(ctx, body));
      const t = createTask(ctx, body);
      ctx.json(201, new Serializer(ctx).task(t));
    })
    .add('GET', '/api/tasks/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).task(getTask(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/tasks/:id', async (ctx) => {
      const t = getTask(ctx, ctx.param('id'));
      const o = asObject(await ctx.readJson());
      requireTask(ctx, t, fieldScopes(o, FIELD_SCOPES));
      checkTaskFields(o, true);
      if (o.name !== undefined) t.name = reqString(o, 'name');
      if (o.bug_tracker !== undefined) t.bug_tracker = optString(o, 'bug_tracker') ?? '';
      if (o.subset !== undefined) t.subset = optString(o, 'subset') ?? '';
      const owner = userId(ctx, optInt(o, 'owner_id'), 'owner_id');
      if (owner !== undefined) t.owner_id = owner;
      const assignee = userId(ctx, optInt(o, 'assignee_id'), 'assignee_id');
      if (assignee !== undefined && assignee !== t.assignee_id) {
        t.assignee_id = assignee;
        t.assignee_updated_date = now();
      }
      const projectId = optInt(o, 'project_id');
      if (projectId !== undefined && projectId !== t.project_id) {
        if (projectId !== null) {
          const p = getProject(ctx, projectId);
          if (p.org_id !== t.org_id)
            throw badRequest({ project_id: 'The task and its project should be in the same organization.' });
          for (const l of [...ctx.emu.state.labels.values()]) if (l.task_id === t.id) deleteLabel(ctx, l.id);
        }
        t.project_id = projectId;
      }
      const src = storage(ctx, o.source_storage, 'source_storage');
      if (src !== undefined) t.source_storage = src;
      const dst = storage(ctx, o.target_storage, 'target_storage');
      if (dst !== undefined) t.target_storage = dst;
      const labels = optArray(o, 'labels');
      // TaskWriteSerializer.update_labels: labels of a task in a project are left as they are.
      if (labels?.length && t.project_id === null)
        applyLabels(ctx, labels, { project_id: null, task_id: t.id });
      t.updated_date = now();
      ctx.json(200, new Serializer(ctx).task(t));
    })
    .add('DELETE', '/api/tasks/:id', (ctx) => {
      const t = getTask(ctx, ctx.param('id'), 'delete');
      deleteTask(ctx, t);
      ctx.empty(204);
    })
    .add('GET', '/api/tasks/:id/status', (ctx) => {
      const t = getTask(ctx, ctx.param('id'));
      const r = t.data_rq_id ? ctx.emu.state.requests.get(t.data_rq_id) : undefined;
      if (!r) {
        if (t.data) return ctx.json(200, { state: 'Finished', message: '', progress: 1 });
        throw detail(404, 'Not found.');
      }
      const state = { queued: 'Queued', started: 'Started', finished: 'Finished', failed: 'Failed' }[
        r.status
      ];
      ctx.json(200, { state, message: r.message, progress: r.progress ?? 0 });
    })
    .add('GET', '/api/tasks/:id/preview', (ctx) => {
      const task = getTask(ctx, ctx.param('id'));
      if (!task.data) throw plainText(404, 'Task image preview not found');
      return sendTaskPreview(ctx, task);
    });
}
