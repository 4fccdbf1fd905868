import { getProject, getTask } from '../access';
import { requireProjectEditor, requireTaskEditor } from '../parity-access';
import { asObject, optInt, optString } from '../body';
import type { Ctx } from '../context';
import { badRequest, notFound } from '../errors';
import { now } from '../model';
import type { Emulator } from '../server';
import type { State } from '../state';

/** An annotation guide: markdown attached to one task or one project. */
export interface GuideRec {
  id: number;
  task_id: number | null;
  project_id: number | null;
  markdown: string;
  created_date: string;
  updated_date: string;
}

interface GuideStore {
  readonly guides: Map<number, GuideRec>;
  lastId: number;
}

const stores = new WeakMap<State, GuideStore>();

function guideStore(state: State): GuideStore {
  let store = stores.get(state);
  if (!store) {
    store = { guides: new Map(), lastId: 0 };
    stores.set(state, store);
  }
  return store;
}

/** The guide of a task or project (for `guide_id` in their serializations), if any. */
export function guideIdOf(
  state: State,
  owner: { task_id?: number; project_id?: number | null },
): number | null {
  for (const g of guideStore(state).guides.values()) {
    if (owner.task_id !== undefined && g.task_id === owner.task_id) return g.id;
    if (owner.project_id !== undefined && owner.project_id !== null && g.project_id === owner.project_id)
      return g.id;
  }
  return null;
}

/** The guide's owner, checked: visible to the caller, and editable for changes. */
function ownerOf(ctx: Ctx, g: Pick<GuideRec, 'task_id' | 'project_id'>, edit: boolean): void {
  if (g.task_id !== null) {
    const t = getTask(ctx, g.task_id);
    if (edit) requireTaskEditor(ctx, t);
    return;
  }
  const p = getProject(ctx, g.project_id ?? -1);
  if (edit) requireProjectEditor(ctx, p);
}

function getGuide(ctx: Ctx, edit: boolean): GuideRec {
  const g = guideStore(ctx.emu.state).guides.get(ctx.param('id'));
  if (!g) throw notFound();
  ownerOf(ctx, g, edit);
  return g;
}

/** Annotation guides (`/api/guides`); their assets (`/api/assets`) are not emulated. */
export function registerGuides(emu: Emulator): void {
  emu.router
    .add('POST', '/api/guides', async (ctx) => {
      const o = asObject(await ctx.readJson());
      const taskId = optInt(o, 'task_id') ?? null;
      const projectId = optInt(o, 'project_id') ?? null;
      if ((taskId === null) === (projectId === null))
        throw badRequest({ non_field_errors: 'One of task_id or project_id must be specified' });
      ownerOf(ctx, { task_id: taskId, project_id: projectId }, true);
      const store = guideStore(ctx.emu.state);
      const taken = [...store.guides.values()].some(
        (g) =>
          (taskId !== null && g.task_id === taskId) || (projectId !== null && g.project_id === projectId),
      );
      if (taken) throw badRequest({ non_field_errors: 'The resource already has an annotation guide' });
      const t = now();
      store.lastId += 1;
      const rec: GuideRec = {
        id: store.lastId,
        task_id: taskId,
        project_id: projectId,
        markdown: optString(o, 'markdown') ?? '',
        created_date: t,
        updated_date: t,
      };
      store.guides.set(rec.id, rec);
      ctx.json(201, rec);
    })
    .add('GET', '/api/guides/:id', (ctx) => ctx.json(200, getGuide(ctx, false)))
    .add('PATCH', '/api/guides/:id', async (ctx) => {
      const g = getGuide(ctx, true);
      const o = asObject(await ctx.readJson());
      if (o.task_id !== undefined || o.project_id !== undefined) {
        if ((o.task_id ?? g.task_id) !== g.task_id || (o.project_id ?? g.project_id) !== g.project_id)
          throw badRequest({ non_field_errors: 'A guide cannot be moved to another task or project' });
      }
      const markdown = optString(o, 'markdown');
      if (markdown !== undefined) g.markdown = markdown;
      g.updated_date = now();
      ctx.json(200, g);
    })
    .add('DELETE', '/api/guides/:id', (ctx) => {
      const g = getGuide(ctx, true);
      guideStore(ctx.emu.state).guides.delete(g.id);
      ctx.empty(204);
    });
}
