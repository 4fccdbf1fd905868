import { getJob, getProject, getTask, mayProject, mayTask, projectsListed, tasksListed } from '../access';
import { asObject, optArray, optBool, optEnum, optInt, optString } from '../body';
import type { Ctx } from '../context';
import { badRequest, forbidden, notFound } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { AttributeRec, Json, LabelRec } from '../model';
import type { Emulator } from '../server';
import { Serializer } from '../serialize';
import {
  checkAttributeNamesUnique,
  checkLocalLabelPatch,
  INPUT_TYPES,
  LABEL_TYPES,
} from './label-validation';

const PALETTE = [
  '#2080c0',
  '#c06060',
  '#6080c0',
  '#406040',
  '#b83df5',
  '#fa3253',
  '#33ddff',
  '#ff6a4d',
  '#34d1b7',
  '#ddff33',
];

/** models.Label.save: the unique constraint's InvalidLabel, answered as a plain list. */
const DUPLICATE_LABEL = 'All label names must be unique';

export interface LabelOwner {
  project_id: number | null;
  task_id: number | null;
}

function attributes(ctx: Ctx, raw: Json[] | undefined, existing: AttributeRec[] = []): AttributeRec[] {
  const out = [...existing];
  for (const item of raw ?? []) {
    const a = asObject(item, 'attributes');
    const id = optInt(a, 'id');
    const found = id != null ? out.find((x) => x.id === id) : undefined;
    if (optBool(a, 'deleted')) {
      if (found) out.splice(out.indexOf(found), 1);
      continue;
    }
    const name = optString(a, 'name');
    const inputType = optEnum(a, 'input_type', INPUT_TYPES);
    const values = (optArray(a, 'values') ?? found?.values ?? []).map(String);
    if (found) {
      Object.assign(found, {
        name: name ?? found.name,
        mutable: optBool(a, 'mutable') ?? found.mutable,
        input_type: inputType ?? found.input_type,
        default_value: optString(a, 'default_value') ?? found.default_value,
        values,
      });
      continue;
    }
    if (!name) throw badRequest({ attributes: ['name: This field is required.'] });
    if (!inputType) throw badRequest({ attributes: ['input_type: This field is required.'] });
    out.push({
      id: id ?? ctx.emu.state.nextId('attribute'),
      name,
      mutable: optBool(a, 'mutable') ?? false,
      input_type: inputType,
      default_value: optString(a, 'default_value') ?? values[0] ?? '',
      values,
    });
  }
  return out;
}

/** Creates, updates and deletes labels from a `labels` list of a write request. */
export function applyLabels(
  ctx: Ctx,
  raw: Json[] | undefined,
  owner: LabelOwner,
  parentId: number | null = null,
): void {
  const state = ctx.emu.state;
  const siblings = (): LabelRec[] =>
    [...state.labels.values()].filter(
      (l) =>
        l.parent_id === parentId &&
        (parentId !== null || (l.project_id === owner.project_id && l.task_id === owner.task_id)),
    );
  for (const item of raw ?? []) {
    const o = asObject(item, 'labels');
    checkAttributeNamesUnique(optArray(o, 'attributes'));
    const id = optInt(o, 'id');
    const existing = id != null ? state.labels.get(id) : undefined;
    if (id != null && !siblings().includes(existing as LabelRec))
      throw badRequest({ labels: `Label ${id} does not belong to this object.` });
    if (existing && optBool(o, 'deleted')) {
      deleteLabel(ctx, existing.id);
      continue;
    }
    const name = optString(o, 'name');
    if (existing) {
      if (name !== undefined && name !== existing.name && siblings().some((l) => l.name === name))
        throw badRequest(DUPLICATE_LABEL);
      existing.name = name ?? existing.name;
      existing.color = optString(o, 'color') ?? existing.color;
      existing.type = optEnum(o, 'type', LABEL_TYPES) ?? existing.type;
      // LabelSerializer.update_label keeps an existing skeleton's svg: it is only set on creation.
      existing.attributes = attributes(ctx, optArray(o, 'attributes'), existing.attributes);
      applyLabels(ctx, optArray(o, 'sublabels'), owner, existing.id);
      continue;
    }
    if (!name) throw badRequest({ labels: ['name: This field is required.'] });
    if (siblings().some((l) => l.name === name)) throw badRequest(DUPLICATE_LABEL);
    const newId = state.nextId('label');
    const label: LabelRec = {
      id: newId,
      name,
      color: optString(o, 'color') || PALETTE[newId % PALETTE.length]!,
      type: optEnum(o, 'type', LABEL_TYPES) ?? 'any',
      svg: optString(o, 'svg') ?? '',
      attributes: attributes(ctx, optArray(o, 'attributes')),
      project_id: parentId === null ? owner.project_id : null,
      task_id: parentId === null ? owner.task_id : null,
      parent_id: parentId,
    };
    state.labels.set(newId, label);
    applyLabels(ctx, optArray(o, 'sublabels'), owner, newId);
    if (label.type === 'skeleton') label.svg = svgWithIds(ctx, label);
  }
}

/** LabelSerializer.create_labels: the skeleton svg names its points by sublabel id, not name. */
function svgWithIds(ctx: Ctx, skeleton: LabelRec): string {
  let svg = skeleton.svg;
  for (const sub of ctx.emu.state.labels.values()) {
    if (sub.parent_id === skeleton.id)
      svg = svg.split(`data-label-name="${sub.name}"`).join(`data-label-id="${sub.id}"`);
  }
  return svg;
}

export function deleteLabel(ctx: Ctx, id: number): void {
  const state = ctx.emu.state;
  for (const l of [...state.labels.values()]) if (l.parent_id === id) deleteLabel(ctx, l.id);
  state.labels.delete(id);
}

/** Labels in effect for a task: its project's labels when it has a project. */
export function taskLabels(ctx: Ctx, taskId: number, includeSublabels = false): LabelRec[] {
  const t = ctx.emu.state.tasks.get(taskId);
  if (!t) return [];
  return [...ctx.emu.state.labels.values()].filter((l) => {
    const top = l.parent_id === null ? l : ctx.emu.state.labels.get(l.parent_id);
    if (!top || (!includeSublabels && l.parent_id !== null)) return false;
    return t.project_id !== null ? top.project_id === t.project_id : top.task_id === t.id;
  });
}

export function labelTaskId(ctx: Ctx, l: LabelRec): number | null {
  const top = l.parent_id === null ? l : ctx.emu.state.labels.get(l.parent_id);
  return top?.task_id ?? null;
}

/** Labels listed: those of the projects and tasks the user lists (labels.rego's filter). */
function labelsListed(ctx: Ctx): (l: LabelRec) => boolean {
  const state = ctx.emu.state;
  const project = projectsListed(ctx);
  const task = tasksListed(ctx);
  return (l) => {
    const top = l.parent_id === null ? l : state.labels.get(l.parent_id);
    if (!top) return false;
    if (top.project_id !== null) {
      const p = state.projects.get(top.project_id);
      return p !== undefined && project(p);
    }
    const t = top.task_id === null ? undefined : state.tasks.get(top.task_id);
    return t !== undefined && task(t);
  };
}

/** One label: 404 when missing, 403 unless the user may see (or change) its project or task. */
function getLabel(ctx: Ctx, change: boolean): LabelRec {
  const state = ctx.emu.state;
  const l = state.labels.get(ctx.param('id'));
  const top = l && (l.parent_id === null ? l : state.labels.get(l.parent_id));
  if (!l || !top) throw notFound();
  const p = top.project_id !== null ? state.projects.get(top.project_id) : undefined;
  const t = top.task_id !== null ? state.tasks.get(top.task_id) : undefined;
  const ok = p
    ? mayProject(ctx, p, change ? 'update:desc' : 'view')
    : t !== undefined && mayTask(ctx, t, change ? 'update:desc' : 'view');
  if (!ok) throw forbidden();
  return l;
}

// LabelViewSet: `parent` is the parent's name (parent__name); ordering id.
const spec = (ctx: Ctx): ListSpec<LabelRec> => ({
  fields: {
    id: (l) => l.id,
    name: (l) => l.name,
    color: (l) => l.color,
    type: (l) => l.type,
    parent_id: (l) => l.parent_id,
    parent: (l) => (l.parent_id === null ? null : (ctx.emu.state.labels.get(l.parent_id)?.name ?? null)),
  },
  simple: ['name', 'parent', 'type', 'color', 'parent_id'],
  search: ['name', 'parent'],
  defaultSort: 'id',
});

export function registerLabels(emu: Emulator): void {
  emu.router
    .add('GET', '/api/labels', (ctx) => {
      const state = ctx.emu.state;
      const q = ctx.query;
      const taskId = q.get('task_id');
      const jobId = q.get('job_id');
      const projectId = q.get('project_id');
      const owners = [taskId, jobId, projectId].filter((v) => v !== null);
      if (owners.length > 1)
        throw badRequest('job_id, task_id and project_id parameters cannot be used together');
      let items: LabelRec[];
      if (owners.length === 1) {
        // views.py LabelViewSet: the permission is checked on that job, task or project, whose
        // labels are then listed (so a job's assignee gets the labels of its task).
        let own: LabelRec[];
        if (jobId !== null) own = taskLabels(ctx, getJob(ctx, Number(jobId)).task_id, true);
        else if (taskId !== null) own = taskLabels(ctx, getTask(ctx, Number(taskId)).id, true);
        else {
          const p = getProject(ctx, Number(projectId));
          own = [...state.labels.values()].filter(
            (l) => (l.parent_id === null ? l : state.labels.get(l.parent_id))?.project_id === p.id,
          );
        }
        items = own;
      } else {
        items = [...state.labels.values()].filter(labelsListed(ctx));
      }
      if (q.get('parent_id') === null && q.get('parent') === null)
        items = items.filter((l) => l.parent_id === null);
      const s = new Serializer(ctx);
      list(ctx, items, spec(ctx), (l) => s.label(l));
    })
    .add('GET', '/api/labels/:id', (ctx) => {
      const l = getLabel(ctx, false);
      ctx.json(200, new Serializer(ctx).label(l));
    })
    .add('PATCH', '/api/labels/:id', async (ctx) => {
      const l = getLabel(ctx, true);
      const body = asObject(await ctx.readJson());
      checkLocalLabelPatch(body);
      if (l.parent_id !== null)
        throw badRequest(
          'Sublabels cannot be modified this way. Please send a PATCH request with updated parent label data instead.',
        );
      const top = l.parent_id === null ? l : ctx.emu.state.labels.get(l.parent_id)!;
      applyLabels(
        ctx,
        [{ ...body, id: l.id }],
        { project_id: top.project_id, task_id: top.task_id },
        l.parent_id,
      );
      ctx.json(200, new Serializer(ctx).label(l));
    })
    .add('DELETE', '/api/labels/:id', (ctx) => {
      const l = getLabel(ctx, true);
      deleteLabel(ctx, l.id);
      ctx.empty(204);
    });
}
