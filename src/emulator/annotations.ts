import { KINDS, validateLabeledData } from './annotation-serializer';
import type { AnnotationAction, Kind, LabeledData } from './annotation-serializer';
import type { Ctx } from './context';
import { HttpError, badRequest, detail } from './errors';
import type { AnnotationsRec, Json, JobRec, JsonObject, TaskRec } from './model';
import { taskLabels } from './resources/labels';
import { jobFrames } from './data/frames';
import { annotationStore } from './job-annotations';

export interface Scope {
  task: TaskRec;
  job?: JobRec;
}

function inScope(scope: Scope, o: JsonObject): boolean {
  if (!scope.job) return true;
  const frame = typeof o.frame === 'number' ? o.frame : -1;
  return jobFrames(scope.job).includes(frame);
}

function wire(a: AnnotationsRec, scope: Scope): Record<string, unknown> {
  return {
    version: 0,
    tags: a.tags.filter((o) => inScope(scope, o)),
    shapes: a.shapes.filter((o) => inScope(scope, o)),
    tracks: a.tracks.filter((o) => inScope(scope, o)),
    intervals: [],
  };
}

/**
 * What the serializer cannot know: labels of this task, frames inside the task (and the job).
 * The serializer (`annotation-serializer.ts`) has already checked each object's fields.
 */
function checkScope(scope: Scope, kind: Kind, o: JsonObject, labels: Set<number>, path: string): void {
  const size = scope.task.data?.frames.length ?? 0;
  const err = (msg: string): never => {
    throw badRequest({ [kind]: `${path}: ${msg}` });
  };
  if (!labels.has(o.label_id as number)) err(`label_id ${String(o.label_id)} is not a label of this task`);
  const frame = o.frame as number;
  if (frame >= size) err(`The frame number should be in the [0, ${size - 1}] range`);
  if (scope.job && !jobFrames(scope.job).includes(frame)) err(`frame ${frame} is outside of the job`);
  const elements = Array.isArray(o.elements) ? (o.elements as JsonObject[]) : [];
  elements.forEach((e, i) => {
    checkScope(scope, kind, e, labels, `${path}.elements[${i}]`);
  });
}

export function assignIds(ctx: Ctx, kind: Kind, o: JsonObject, force: boolean): void {
  const state = ctx.emu.state;
  if (force || typeof o.id !== 'number') o.id = state.nextId(`annotation:${kind}`);
  if (Array.isArray(o.shapes))
    for (const s of o.shapes)
      if (typeof s === 'object' && s && !Array.isArray(s))
        (s as JsonObject).id = state.nextId('annotation:tracked_shape');
  if (Array.isArray(o.elements))
    for (const e of o.elements)
      if (typeof e === 'object' && e && !Array.isArray(e)) assignIds(ctx, kind, e as JsonObject, force);
}

function parseData(ctx: Ctx, scope: Scope, body: unknown, action: AnnotationAction): LabeledData {
  const data = validateLabeledData(body, action);
  const labels = new Set(taskLabels(ctx, scope.task.id, true).map((l) => l.id));
  for (const k of KINDS) data[k].forEach((o, i) => checkScope(scope, k, o, labels, `${k}[${i}]`));
  return data;
}

export function getAnnotations(ctx: Ctx, scope: Scope): void {
  if (ctx.query.get('format') !== null || ctx.query.get('action') !== null) {
    throw detail(
      410,
      'This endpoint no longer handles dataset exports. Use POST /api/<resource>/<id>/dataset/export and the Requests API.',
    );
  }
  ctx.json(200, wire(annotationStore(ctx.emu.state, scope), scope));
}

/** Replaces the annotations in scope (all of a task, or a job's frames). CVAT's `version` is always 0. */
export function replaceAnnotations(
  ctx: Ctx,
  scope: Scope,
  data: Record<Kind, JsonObject[]>,
): Record<string, unknown> {
  const a = annotationStore(ctx.emu.state, scope);
  for (const k of KINDS) {
    a[k] = a[k].filter((o) => !inScope(scope, o));
    for (const o of data[k]) assignIds(ctx, k, o, true);
    a[k].push(...data[k]);
  }
  return { version: 0, ...data, intervals: [] };
}

/** Adds annotations to those in scope (an import with `import_mode=append`). */
export function appendAnnotations(ctx: Ctx, scope: Scope, data: Record<Kind, JsonObject[]>): void {
  const a = annotationStore(ctx.emu.state, scope);
  for (const k of KINDS) {
    for (const o of data[k]) assignIds(ctx, k, o, true);
    a[k].push(...data[k]);
  }
}

/** PUT: the serializer runs with action `create`, so objects must come without ids. */
export async function putAnnotations(ctx: Ctx, scope: Scope): Promise<void> {
  const data = parseData(ctx, scope, await ctx.readJson(), 'create');
  ctx.json(200, replaceAnnotations(ctx, scope, data));
}

/**
 * PATCH (cvat/apps/dataset_manager/task.py): `create` adds (ids absent), `update` deletes the
 * objects with the given ids then creates them again with those ids (objects without an id are
 * simply created), `delete` removes the given objects (full objects, ids present).
 */
export async function patchAnnotations(ctx: Ctx, scope: Scope): Promise<void> {
  const action = ctx.query.get('action');
  if (action !== 'create' && action !== 'update' && action !== 'delete')
    throw badRequest("Please specify a correct 'action' for the request");
  const data = parseData(ctx, scope, await ctx.readJson(), action);
  const a = annotationStore(ctx.emu.state, scope);
  for (const k of KINDS) {
    const ids = new Set<Json>(data[k].map((o) => o.id).filter((v) => typeof v === 'number'));
    if (action !== 'create') a[k] = a[k].filter((o) => !(ids.has(o.id) && inScope(scope, o)));
    if (action === 'delete') continue;
    for (const o of data[k]) {
      if (action === 'update' && typeof o.id === 'number' && a[k].some((x) => x.id === o.id))
        throw new HttpError(400, `duplicate key value violates unique constraint: ${k} id ${o.id} exists`);
      assignIds(ctx, k, o, action === 'create');
      a[k].push(o);
    }
  }
  ctx.json(200, { version: 0, ...data, intervals: [] });
}

export function deleteAnnotations(ctx: Ctx, scope: Scope): void {
  const a = annotationStore(ctx.emu.state, scope);
  for (const k of KINDS) a[k] = a[k].filter((o) => !inScope(scope, o));
  ctx.empty(204);
}

export { parseData };
