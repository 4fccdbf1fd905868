import { getJob, getProject, getTask } from '../access';
import { canSeeProject, canSeeTask, requireProjectEditor, requireTaskEditor } from '../parity-access';
import { asObject, optBool, optEnum, optInt, optString } from '../body';
import type { Ctx } from '../context';
import { badRequest, HttpError, notFound, notImplemented } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { JsonObject } from '../model';
import { now } from '../model';
import { enqueue, rqId } from '../requests';
import { Serializer } from '../serialize';
import type { Emulator } from '../server';
import {
  GT_NOT_READY,
  computeProjectReport,
  computeTaskReport,
  isCheckable,
  jobReportsUnder,
} from '../quality/reports';
import { qualityStore } from '../quality/store';
import type { ConflictRec, QualityStore, ReportRec, RequirementRec, SettingsRec } from '../quality/store';

/** Whether the user sees the task or project a quality record belongs to. */
function parentVisible(ctx: Ctx, ids: { task_id: number | null; project_id: number | null }): boolean {
  const state = ctx.emu.state;
  if (ids.task_id !== null) {
    const t = state.tasks.get(ids.task_id);
    return t !== undefined && canSeeTask(ctx, t) && ctx.emu.orgs.inContext(ctx, t.org_id);
  }
  const p = ids.project_id === null ? undefined : state.projects.get(ids.project_id);
  return p !== undefined && canSeeProject(ctx, p) && ctx.emu.orgs.inContext(ctx, p.org_id);
}

/** Changing settings needs the rights to change their task or project. */
function requireParentEditor(ctx: Ctx, ids: { task_id: number | null; project_id: number | null }): void {
  if (ids.task_id !== null) {
    requireTaskEditor(ctx, getTask(ctx, ids.task_id));
    return;
  }
  requireProjectEditor(ctx, getProject(ctx, ids.project_id ?? -1));
}

function requirementWire(r: RequirementRec, store: QualityStore, full: boolean): JsonObject {
  const s = store.settings.get(r.settings_id);
  const { created_date, updated_date, ...fields } = r;
  return {
    ...fields,
    task_id: s?.task_id ?? null,
    project_id: s?.project_id ?? null,
    attribute_comparison: null,
    ...(full ? { effective: { ...fields, attribute_comparison: null } } : {}),
    created_date,
    updated_date,
  };
}

function settingsWire(s: SettingsRec, store: QualityStore): JsonObject {
  return {
    ...s,
    requirements: store.requirementsOf(s.id).map((r) => requirementWire(r, store, false)),
  };
}

function reportWire(ctx: Ctx, r: ReportRec): JsonObject {
  return {
    id: r.id,
    job_id: r.job_id,
    task_id: r.task_id,
    project_id: r.project_id,
    parent_id: r.parent_id,
    target: r.target,
    summary: { ...r.summary } as unknown as JsonObject,
    created_date: r.created_date,
    target_last_updated: r.target_last_updated,
    gt_last_updated: r.gt_last_updated,
    assignee: new Serializer(ctx).basicUser(r.assignee_id) as JsonObject | null,
  };
}

function conflictWire(c: ConflictRec): JsonObject {
  return { ...c, annotation_ids: c.annotation_ids.map((a) => ({ ...a })), attribute_names: [] };
}

const settingsSpec: ListSpec<SettingsRec> = {
  fields: {
    id: (s) => s.id,
    task_id: (s) => s.task_id,
    project_id: (s) => s.project_id,
    inherit: (s) => s.inherit,
    created_date: (s) => s.created_date,
    updated_date: (s) => s.updated_date,
  },
  simple: ['task_id', 'inherit'],
  search: [],
  defaultSort: 'id',
};

const requirementSpec: ListSpec<RequirementRec> = {
  fields: {
    id: (r) => r.id,
    settings_id: (r) => r.settings_id,
    annotation_type: (r) => r.annotation_type,
    enabled: (r) => r.enabled,
    name: (r) => r.name,
    created_date: (r) => r.created_date,
    updated_date: (r) => r.updated_date,
  },
  simple: ['settings_id', 'annotation_type', 'enabled'],
  search: [],
  defaultSort: 'id',
};

const reportSpec: ListSpec<ReportRec> = {
  fields: {
    id: (r) => r.id,
    job_id: (r) => r.job_id,
    task_id: (r) => r.task_id,
    project_id: (r) => r.project_id,
    created_date: (r) => r.created_date,
    gt_last_updated: (r) => r.gt_last_updated,
    target_last_updated: (r) => r.target_last_updated,
  },
  simple: ['job_id'],
  search: [],
  defaultSort: '-id',
};

const conflictSpec = (store: QualityStore): ListSpec<ConflictRec> => ({
  fields: {
    id: (c) => c.id,
    frame: (c) => c.frame,
    type: (c) => c.type,
    severity: (c) => c.severity,
    job_id: (c) => store.reports.get(c.report_id)?.job_id ?? null,
    task_id: (c) => store.reports.get(c.report_id)?.task_id ?? null,
    project_id: (c) => store.reports.get(c.report_id)?.project_id ?? null,
  },
  simple: ['frame', 'type', 'severity', 'job_id', 'task_id', 'project_id'],
  search: [],
  defaultSort: '-id',
});

/** Every task and project has settings in CVAT (made with them); the emulator makes them on first look. */
function ensureAllSettings(ctx: Ctx, store: QualityStore): void {
  for (const t of ctx.emu.state.tasks.values()) store.settingsOf({ task_id: t.id });
  for (const p of ctx.emu.state.projects.values()) store.settingsOf({ project_id: p.id });
}

function getSettings(ctx: Ctx, store: QualityStore): SettingsRec {
  ensureAllSettings(ctx, store);
  const s = store.settings.get(ctx.param('id'));
  if (!s || !parentVisible(ctx, s)) throw notFound();
  return s;
}

function getReport(ctx: Ctx, store: QualityStore, id: number): ReportRec {
  const r = store.reports.get(id);
  if (!r || !parentVisible(ctx, r)) throw notFound();
  return r;
}

const unit = (k: string, v: number | null | undefined): number | null | undefined => {
  if (v !== undefined && v !== null && (v < 0 || v > 1))
    throw badRequest({ [k]: 'Ensure this value is less than or equal to 1 and greater than or equal to 0.' });
  return v;
};

function optNumber(o: JsonObject, k: string): number | null | undefined {
  const v = o[k];
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest({ [k]: 'A valid number is required.' });
  return v;
}

/** PATCH and PUT alike: every field of the settings has a default, so a PUT may leave some out. */
async function patchSettings(ctx: Ctx, store: QualityStore, s: SettingsRec): Promise<void> {
  requireParentEditor(ctx, s);
  const o = asObject(await ctx.readJson());
  if (o.requirements !== undefined) throw notImplemented('changing requirements through the settings');
  const jobFilter = optString(o, 'job_filter');
  if (jobFilter !== undefined && jobFilter.length > 1024)
    throw badRequest({ job_filter: 'Ensure this field has no more than 1024 characters.' });
  if (jobFilter) {
    try {
      JSON.parse(jobFilter);
    } catch {
      throw badRequest({ job_filter: 'Invalid JSON.' });
    }
  }
  const inherit = optBool(o, 'inherit');
  const maxValidations = optInt(o, 'max_validations_per_job');
  if (maxValidations !== undefined && (maxValidations === null || maxValidations < 0))
    throw badRequest({ max_validations_per_job: 'Ensure this value is greater than or equal to 0.' });
  if (jobFilter !== undefined) s.job_filter = jobFilter;
  if (inherit !== undefined) s.inherit = inherit;
  if (maxValidations !== undefined && maxValidations !== null) s.max_validations_per_job = maxValidations;
  s.updated_date = now();
  ctx.json(200, settingsWire(s, store));
}

async function patchRequirement(ctx: Ctx, store: QualityStore, r: RequirementRec): Promise<void> {
  const s = store.settings.get(r.settings_id)!;
  requireParentEditor(ctx, s);
  const o = asObject(await ctx.readJson());
  const name = optString(o, 'name');
  if (name !== undefined && (name.trim() === '' || name.length > 250))
    throw badRequest({ name: 'Ensure this field has 1 to 250 characters.' });
  const enabled = optBool(o, 'enabled');
  const metric = optEnum(o, 'metric', ['accuracy', 'precision', 'recall'] as const);
  const score = unit('required_score', optNumber(o, 'required_score'));
  const iou = unit('iou_threshold', optNumber(o, 'iou_threshold'));
  const filter = optString(o, 'filter');
  const order = optInt(o, 'sort_order');
  if (name !== undefined) r.name = name;
  if (enabled !== undefined) r.enabled = enabled;
  if (metric !== undefined) r.metric = metric;
  if (score !== undefined) r.required_score = score;
  if (iou !== undefined) r.iou_threshold = iou;
  if (filter !== undefined) r.filter = filter;
  if (order !== undefined && order !== null) r.sort_order = order;
  r.updated_date = now();
  ctx.json(200, requirementWire(r, store, true));
}

/** `POST /api/quality/reports`: validates the target, enqueues the computation, answers 202 `{ rq_id }`. */
async function createReport(ctx: Ctx, store: QualityStore): Promise<void> {
  const checkId = ctx.query.get('rq_id');
  if (checkId !== null) return reportStatus(ctx, store, checkId);
  const o = asObject(await ctx.readJson());
  const taskId = optInt(o, 'task_id');
  const projectId = optInt(o, 'project_id');
  if ((taskId ?? null) === null && (projectId ?? null) === null)
    throw badRequest({ non_field_errors: 'Task or project id must be specified' });
  if ((taskId ?? null) !== null && (projectId ?? null) !== null)
    throw badRequest({ non_field_errors: 'Only one of task or project id can be specified' });
  if (taskId !== undefined && taskId !== null) {
    const task = getTask(ctx, taskId);
    if (!isCheckable(ctx, task)) throw badRequest(GT_NOT_READY);
    const id = rqId({ action: 'calculate', target: 'task', target_id: task.id, subresource: 'quality' });
    enqueue(
      ctx,
      id,
      { type: 'calculate:quality', target: 'task', task_id: task.id, project_id: task.project_id },
      async (progress) => {
        await progress(0.5);
        if (!ctx.emu.state.tasks.has(task.id)) throw new HttpError(404, { detail: 'The task was removed.' });
        return { result_id: computeTaskReport(ctx, store, task).id };
      },
    );
    return ctx.json(202, { rq_id: id });
  }
  const project = getProject(ctx, projectId!);
  const id = rqId({ action: 'calculate', target: 'project', target_id: project.id, subresource: 'quality' });
  enqueue(
    ctx,
    id,
    { type: 'calculate:quality', target: 'project', project_id: project.id },
    async (progress) => {
      await progress(0.5);
      return { result_id: computeProjectReport(ctx, store, project.id).id };
    },
  );
  return ctx.json(202, { rq_id: id });
}

/** The deprecated status check of `POST /api/quality/reports?rq_id=`: 202 while running, 201 with the report. */
function reportStatus(ctx: Ctx, store: QualityStore, id: string): void {
  const rq = ctx.emu.state.requests.get(id);
  if (!rq || rq.owner_id !== ctx.requireUser().id || rq.operation.type !== 'calculate:quality')
    return ctx.json(404, 'Unknown request id');
  if (rq.status === 'failed') return ctx.json(500, rq.message);
  if (rq.status !== 'finished') return ctx.json(202, { rq_id: id });
  const report = rq.result_id === null ? undefined : store.reports.get(rq.result_id);
  if (!report) return ctx.json(500, 'No report has been computed');
  ctx.json(201, reportWire(ctx, report));
}

function listReports(ctx: Ctx, store: QualityStore): void {
  let items = [...store.reports.values()].filter((r) => parentVisible(ctx, r));
  const q = ctx.query;
  const parentId = q.get('parent_id');
  if (parentId !== null) {
    const parent = getReport(ctx, store, Number(parentId));
    const under = new Set(parent.children.flatMap((c) => [c, ...(store.reports.get(c)?.children ?? [])]));
    items = items.filter((r) => under.has(r.id));
  }
  const jobId = q.get('job_id');
  if (jobId !== null) getJob(ctx, Number(jobId));
  const taskId = q.get('task_id');
  if (taskId !== null) {
    getTask(ctx, Number(taskId));
    items = items.filter((r) => r.task_id === Number(taskId));
  }
  const projectId = q.get('project_id');
  if (projectId !== null) {
    getProject(ctx, Number(projectId));
    items = items.filter((r) => r.project_id === Number(projectId));
  }
  const target = q.get('target');
  if (target !== null) {
    if (target !== 'job' && target !== 'task' && target !== 'project')
      throw badRequest(`Unexpected 'target' filter value '${target}'. Valid values are: job, task, project`);
    items = items.filter((r) => r.target === target);
  }
  list(ctx, items, reportSpec, (r) => reportWire(ctx, r));
}

function listConflicts(ctx: Ctx, store: QualityStore): void {
  let items = [...store.conflicts.values()];
  const reportId = ctx.query.get('report_id');
  if (reportId !== null) {
    const report = getReport(ctx, store, Number(reportId));
    const ids = new Set(jobReportsUnder(store, report).map((r) => r.id));
    items = items.filter((c) => ids.has(c.report_id));
  } else {
    items = items.filter((c) => {
      const r = store.reports.get(c.report_id);
      return r !== undefined && parentVisible(ctx, r);
    });
  }
  list(ctx, items, conflictSpec(store), conflictWire);
}

/** Precision, recall, accuracy and Jaccard index per label of a confusion matrix (rows: annotation, cols: GT). */
function confusionMatrix(r: ReportRec): JsonObject {
  const n = r.labels.length;
  const rows =
    r.confusion.length === n ? r.confusion : Array.from({ length: n }, () => Array<number>(n).fill(0));
  const total = rows.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  const rowSum = rows.map((row) => row.reduce((a, b) => a + b, 0));
  const colSum = rows.map((_, c) => rows.reduce((a, row) => a + (row[c] ?? 0), 0));
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const diag = rows.map((row, i) => row[i] ?? 0);
  return {
    labels: r.labels,
    rows,
    axes: { cols: 'gt', rows: 'ds' },
    precision: diag.map((d, i) => ratio(d, rowSum[i]!)),
    recall: diag.map((d, i) => ratio(d, colSum[i]!)),
    accuracy: diag.map((d, i) => ratio(total - rowSum[i]! - colSum[i]! + 2 * d, total)),
    jaccard_index: diag.map((d, i) => ratio(d, rowSum[i]! + colSum[i]! - d)),
  };
}

/** The downloadable report (`…/data`): its parameters, summary and the conflicts of each frame. */
function reportData(ctx: Ctx, store: QualityStore, r: ReportRec): string {
  const conflicts = jobReportsUnder(store, r).flatMap((jr) =>
    [...store.conflicts.values()].filter((c) => c.report_id === jr.id),
  );
  const frames: Record<string, JsonObject> = {};
  for (const c of conflicts) {
    const entry = (frames[String(c.frame)] ??= { conflicts: [] });
    (entry.conflicts as JsonObject[]).push(conflictWire(c));
  }
  return JSON.stringify({
    id: r.id,
    target: r.target,
    parameters: { iou_threshold: r.iou_threshold },
    comparison_summary: r.summary,
    frame_results: frames,
    server: ctx.abs('/'),
  });
}

export function registerQuality(emu: Emulator): void {
  const store = qualityStore(emu);
  emu.router
    .add('GET', '/api/quality/settings', (ctx) => {
      ensureAllSettings(ctx, store);
      let items = [...store.settings.values()].filter((s) => parentVisible(ctx, s));
      const taskId = ctx.query.get('task_id');
      const projectId = ctx.query.get('project_id');
      if (taskId !== null) getTask(ctx, Number(taskId));
      else if (projectId !== null) {
        const p = getProject(ctx, Number(projectId));
        items = items.filter(
          (s) =>
            s.project_id === p.id ||
            (s.task_id !== null && ctx.emu.state.tasks.get(s.task_id)?.project_id === p.id),
        );
      }
      const parentType = ctx.query.get('parent_type');
      if (parentType !== null) {
        if (parentType !== 'task' && parentType !== 'project')
          throw badRequest(
            `Unexpected 'parent_type' filter value '${parentType}'. Valid values are: task, project`,
          );
        items = items.filter((s) => (parentType === 'task' ? s.task_id !== null : s.project_id !== null));
      }
      list(ctx, items, settingsSpec, (s) => settingsWire(s, store));
    })
    .add('GET', '/api/quality/settings/requirements', (ctx) => {
      ensureAllSettings(ctx, store);
      let settings = [...store.settings.values()].filter((s) => parentVisible(ctx, s));
      const q = ctx.query;
      if (q.get('task_id') !== null) {
        const t = getTask(ctx, Number(q.get('task_id')));
        settings = settings.filter((s) => s.task_id === t.id);
      } else if (q.get('project_id') !== null) {
        const p = getProject(ctx, Number(q.get('project_id')));
        settings = settings.filter(
          (s) =>
            s.project_id === p.id ||
            (s.task_id !== null && ctx.emu.state.tasks.get(s.task_id)?.project_id === p.id),
        );
      }
      const allowed = new Set(settings.map((s) => s.id));
      const items = [...store.requirements.values()].filter((r) => allowed.has(r.settings_id));
      list(ctx, items, requirementSpec, (r) => requirementWire(r, store, false));
    })
    .add('GET', '/api/quality/settings/requirements/:id', (ctx) => {
      ensureAllSettings(ctx, store);
      const r = store.requirements.get(ctx.param('id'));
      const s = r ? store.settings.get(r.settings_id) : undefined;
      if (!r || !s || !parentVisible(ctx, s)) throw notFound();
      ctx.json(200, requirementWire(r, store, true));
    })
    .add('PATCH', '/api/quality/settings/requirements/:id', async (ctx) => {
      const r = store.requirements.get(ctx.param('id'));
      const s = r ? store.settings.get(r.settings_id) : undefined;
      if (!r || !s || !parentVisible(ctx, s)) throw notFound();
      await patchRequirement(ctx, store, r);
    })
    .add('GET', '/api/quality/settings/:id', (ctx) =>
      ctx.json(200, settingsWire(getSettings(ctx, store), store)),
    )
    .add('PATCH', '/api/quality/settings/:id', (ctx) => patchSettings(ctx, store, getSettings(ctx, store)))
    .add('PUT', '/api/quality/settings/:id', (ctx) => patchSettings(ctx, store, getSettings(ctx, store)))
    .add('GET', '/api/quality/reports', (ctx) => listReports(ctx, store))
    .add('POST', '/api/quality/reports', (ctx) => createReport(ctx, store))
    .add('GET', '/api/quality/reports/:id', (ctx) =>
      ctx.json(200, reportWire(ctx, getReport(ctx, store, ctx.param('id')))),
    )
    .add('GET', '/api/quality/reports/:id/data', (ctx) => {
      const r = getReport(ctx, store, ctx.param('id'));
      ctx.send(200, reportData(ctx, store, r), { 'Content-Type': 'application/json' });
    })
    .add('GET', '/api/quality/reports/:id/confusion/matrix', (ctx) => {
      const r = getReport(ctx, store, ctx.param('id'));
      const format = ctx.query.get('format') ?? 'json';
      if (format !== 'json' && format !== 'csv')
        throw badRequest({ format: `"${format}" is not a valid choice.` });
      const matrix = confusionMatrix(r);
      if (format === 'json') return ctx.json(200, matrix);
      const labels = r.labels;
      const lines = [
        ['', ...labels].join(','),
        ...r.confusion.map((row, i) => [labels[i], ...row].join(',')),
      ];
      ctx.send(200, `${lines.join('\n')}\n`, { 'Content-Type': 'text/csv' });
    })
    .add('GET', '/api/quality/conflicts', (ctx) => listConflicts(ctx, store));
}
