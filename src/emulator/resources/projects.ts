import { getProject, projectsListed, requireCreate, requireProject } from '../access';
import { fieldScopes } from '../iam';
import type { ProjectScope } from '../iam';
import { asObject, optArray, optInt, optString, reqString } from '../body';
import type { Ctx } from '../context';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { ProjectRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import { Serializer } from '../serialize';
import { storage, userId } from './common';
import { applyLabels, deleteLabel } from './labels';
import { checkLabelsField } from './label-validation';
import { deleteTask } from './tasks';
import { sendTaskPreview } from '../data/getter';
import { plainText } from '../plain';

export function projectSpec(ctx: Ctx): ListSpec<ProjectRec> {
  const users = ctx.emu.state.users;
  return {
    fields: {
      id: (p) => p.id,
      name: (p) => p.name,
      owner: (p) => (p.owner_id === null ? null : (users.get(p.owner_id)?.username ?? null)),
      assignee: (p) => (p.assignee_id === null ? null : (users.get(p.assignee_id)?.username ?? null)),
      status: (p) => p.status,
      updated_date: (p) => p.updated_date,
    },
    // ProjectViewSet: search name/owner/assignee; filters add status, id, updated_date.
    simple: ['name', 'owner', 'assignee', 'status'],
    search: ['name', 'owner', 'assignee'],
  };
}

export function createProject(ctx: Ctx, body: Record<string, unknown>): ProjectRec {
  const o = asObject(body);
  const user = ctx.requireUser();
  checkLabelsField(o, false);
  const id = ctx.emu.state.nextId('project');
  const t = now();
  const p: ProjectRec = {
    id,
    name: reqString(o, 'name'),
    owner_id: userId(ctx, optInt(o, 'owner_id'), 'owner_id') ?? user.id,
    assignee_id: userId(ctx, optInt(o, 'assignee_id'), 'assignee_id') ?? null,
    assignee_updated_date: null,
    bug_tracker: optString(o, 'bug_tracker') ?? '',
    org_id: ctx.emu.orgs.createIn(ctx),
    status: 'annotation',
    created_date: t,
    updated_date: t,
    source_storage: storage(ctx, o.source_storage, 'source_storage') ?? null,
    target_storage: storage(ctx, o.target_storage, 'target_storage') ?? null,
  };
  ctx.emu.state.projects.set(id, p);
  try {
    applyLabels(ctx, optArray(o, 'labels'), { project_id: id, task_id: null });
  } catch (e) {
    ctx.emu.state.projects.delete(id);
    throw e;
  }
  return p;
}

export function deleteProject(ctx: Ctx, p: ProjectRec): void {
  const state = ctx.emu.state;
  for (const t of [...state.tasks.values()]) if (t.project_id === p.id) deleteTask(ctx, t);
  for (const l of [...state.labels.values()]) if (l.project_id === p.id) deleteLabel(ctx, l.id);
  state.projects.delete(p.id);
}

/** CVAT checks one scope per changed field of a project (ProjectPermission.get_scopes). */
const FIELD_SCOPES: Record<string, ProjectScope> = {
  owner_id: 'update:owner',
  assignee_id: 'update:assignee',
  name: 'update:desc',
  labels: 'update:desc',
  bug_tracker: 'update:desc',
  organization: 'update:organization',
  source_storage: 'update:associated_storage',
  target_storage: 'update:associated_storage',
};

export function registerProjects(emu: Emulator): void {
  emu.router
    .add('GET', '/api/projects', (ctx) => {
      const items = [...ctx.emu.state.projects.values()].filter(projectsListed(ctx));
      const s = new Serializer(ctx);
      list(ctx, items, projectSpec(ctx), (p) => s.project(p));
    })
    .add('POST', '/api/projects', async (ctx) => {
      const body = asObject(await ctx.readJson());
      requireCreate(ctx);
      const p = createProject(ctx, body);
      ctx.json(201, new Serializer(ctx).project(p));
    })
    .add('GET', '/api/projects/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).project(getProject(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/projects/:id', async (ctx) => {
      const p = getProject(ctx, ctx.param('id'));
      const o = asObject(await ctx.readJson());
      requireProject(ctx, p, fieldScopes(o, FIELD_SCOPES));
      checkLabelsField(o, true);
      if (o.name !== undefined) p.name = reqString(o, 'name');
      if (o.bug_tracker !== undefined) p.bug_tracker = optString(o, 'bug_tracker') ?? '';
      const owner = userId(ctx, optInt(o, 'owner_id'), 'owner_id');
      if (owner !== undefined) p.owner_id = owner;
      const assignee = userId(ctx, optInt(o, 'assignee_id'), 'assignee_id');
      if (assignee !== undefined && assignee !== p.assignee_id) {
        p.assignee_id = assignee;
        p.assignee_updated_date = now();
      }
      const src = storage(ctx, o.source_storage, 'source_storage');
      if (src !== undefined) p.source_storage = src;
      const dst = storage(ctx, o.target_storage, 'target_storage');
      if (dst !== undefined) p.target_storage = dst;
      applyLabels(ctx, optArray(o, 'labels'), { project_id: p.id, task_id: null });
      p.updated_date = now();
      ctx.json(200, new Serializer(ctx).project(p));
    })
    .add('DELETE', '/api/projects/:id', (ctx) => {
      const p = getProject(ctx, ctx.param('id'), 'delete');
      deleteProject(ctx, p);
      ctx.empty(204);
    })
    .add('GET', '/api/projects/:id/preview', (ctx) => {
      const p = getProject(ctx, ctx.param('id'));
      // ProjectViewSet.preview: the newest task's preview, with or without data.
      const task = [...ctx.emu.state.tasks.values()]
        .filter((t) => t.project_id === p.id)
        .sort((a, b) => b.id - a.id)[0];
      if (!task) throw plainText(404, 'Project image preview not found');
      return sendTaskPreview(ctx, task);
    });
}
