import { asObject } from './body';
import type { Ctx } from './context';
import { badRequest, detail } from './errors';
import type { AnnotationsRec, Json, JobRec, JsonObject, TaskRec } from './model';
import { taskLabels } from './resources/labels';
import { jobFrames } from './data/frames';

type Kind = 'tags' | 'shapes' | 'tracks';
const KINDS: Kind[] = ['tags', 'shapes', 'tracks'];
const SHAPE_TYPES = ['rectangle', 'polygon', 'polyline', 'points', 'ellipse', 'cuboid', 'mask', 'skeleton'];

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
    version: a.version,
    tags: a.tags.filter((o) => inScope(scope, o)),
    shapes: a.shapes.filter((o) => inScope(scope, o)),
    tracks: a.tracks.filter((o) => inScope(scope, o)),
    intervals: [],
  };
}

/** Checks one object and fills CVAT's defaults; ids of new objects are assigned by `assignIds`. */
function normalize(
  ctx: Ctx,
  scope: Scope,
  kind: Kind,
  raw: Json,
  labels: Set<number>,
  path: string,
): JsonObject {
  const o = { ...asObject(raw, kind) };
  const size = scope.task.data?.frames.length ?? 0;
  const err = (msg: string): never => {
    throw badRequest({ [kind]: `${path}: ${msg}` });
  };
  if (typeof o.label_id !== 'number' || !labels.has(o.label_id))
    err(`label_id ${String(o.label_id)} is not a label of this task`);
  if (typeof o.frame !== 'number' || !Number.isInteger(o.frame)) err('frame: This field is required.');
  const frame = o.frame as number;
  if (frame < 0 || frame >= size) err(`The frame number should be in the [0, ${size - 1}] range`);
  if (scope.job && !jobFrames(scope.job).includes(frame)) err(`frame ${frame} is outside of the job`);
  o.group ??= 0;
  o.source ??= 'manual';
  o.attributes ??= [];
  if (kind === 'shapes') {
    if (typeof o.type !== 'string' || !SHAPE_TYPES.includes(o.type))
      err(`type: "${String(o.type)}" is not a valid choice.`);
    o.occluded ??= false;
    o.outside ??= false;
    o.z_order ??= 0;
    o.rotation ??= 0;
    o.points ??= [];
    o.score ??= 1;
    o.elements = (Array.isArray(o.elements) ? o.elements : []).map((e, i) =>
      normalize(ctx, scope, 'shapes', { frame, ...asObject(e) }, labels, `${path}.elements[${i}]`),
    );
    for (const e of o.elements) delete (e as JsonObject).elements;
  }
  if (kind === 'tracks') {
    if (!Array.isArray(o.shapes) || o.shapes.length === 0) err('shapes: This field is required.');
    o.shapes = (o.shapes as Json[]).map((s) => {
      const so = { ...asObject(s, 'shapes') };
      so.occluded ??= false;
      so.outside ??= false;
      so.z_order ??= 0;
      so.rotation ??= 0;
      so.attributes ??= [];
      so.points ??= [];
      return so;
    });
    o.elements = (Array.isArray(o.elements) ? o.elements : []).map((e, i) =>
      normalize(ctx, scope, 'tracks', { frame, ...asObject(e) }, labels, `${path}.elements[${i}]`),
    );
  }
  return o;
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

function parseData(ctx: Ctx, scope: Scope, body: unknown): Record<Kind, JsonObject[]> {
  const o = asObject(body);
  const labels = new Set(taskLabels(ctx, scope.task.id, true).map((l) => l.id));
  const out = { tags: [], shapes: [], tracks: [] } as Record<Kind, JsonObject[]>;
  for (const k of KINDS) {
    const v = o[k];
    if (v === undefined) continue;
    if (!Array.isArray(v)) throw badRequest({ [k]: 'Expected a list of items.' });
    out[k] = v.map((item, i) => normalize(ctx, scope, k, item, labels, `${k}[${i}]`));
  }
  return out;
}

export function getAnnotations(ctx: Ctx, scope: Scope): void {
  if (ctx.query.get('format') !== null || ctx.query.get('action') !== null) {
    throw detail(
      410,
      'This endpoint no longer handles dataset exports. Use POST /api/<resource>/<id>/dataset/export and the Requests API.',
    );
  }
  ctx.json(200, wire(ctx.emu.state.annotationsOf(scope.task.id), scope));
}

/** Replaces the annotations in scope (all of a task, or a job's frames). */
export function replaceAnnotations(
  ctx: Ctx,
  scope: Scope,
  data: Record<Kind, JsonObject[]>,
): Record<string, unknown> {
  const a = ctx.emu.state.annotationsOf(scope.task.id);
  for (const k of KINDS) {
    a[k] = a[k].filter((o) => !inScope(scope, o));
    for (const o of data[k]) assignIds(ctx, k, o, true);
    a[k].push(...data[k]);
  }
  a.version += 1;
  return { version: a.version, ...data, intervals: [] };
}

export async function putAnnotations(ctx: Ctx, scope: Scope): Promise<void> {
  const data = parseData(ctx, scope, await ctx.readJson());
  ctx.json(200, replaceAnnotations(ctx, scope, data));
}

export async function patchAnnotations(ctx: Ctx, scope: Scope): Promise<void> {
  const action = ctx.query.get('action');
  if (action !== 'create' && action !== 'update' && action !== 'delete')
    throw badRequest('Please specify a correct "action" for the request: create, update or delete.');
  const body = asObject(await ctx.readJson());
  const a = ctx.emu.state.annotationsOf(scope.task.id);
  let result: Record<Kind, JsonObject[]>;
  if (action === 'delete') {
    result = { tags: [], shapes: [], tracks: [] };
    for (const k of KINDS) {
      const ids = new Set(
        (Array.isArray(body[k]) ? body[k] : []).map((o) =>
          typeof o === 'object' && o && !Array.isArray(o) ? (o as JsonObject).id : o,
        ),
      );
      result[k] = a[k].filter((o) => ids.has(o.id) && inScope(scope, o));
      a[k] = a[k].filter((o) => !(ids.has(o.id) && inScope(scope, o)));
    }
  } else {
    result = parseData(ctx, scope, body);
    for (const k of KINDS) {
      for (const o of result[k]) {
        if (action === 'create') {
          assignIds(ctx, k, o, true);
          a[k].push(o);
        } else {
          const i = a[k].findIndex((x) => x.id === o.id && inScope(scope, x));
          if (i < 0)
            throw badRequest({ [k]: `Cannot update: object with id ${String(o.id)} does not exist.` });
          assignIds(ctx, k, o, false);
          a[k][i] = o;
        }
      }
    }
  }
  a.version += 1;
  ctx.json(200, { version: a.version, ...result, intervals: [] });
}

export function deleteAnnotations(ctx: Ctx, scope: Scope): void {
  const a = ctx.emu.state.annotationsOf(scope.task.id);
  for (const k of KINDS) a[k] = a[k].filter((o) => !inScope(scope, o));
  a.version += 1;
  ctx.empty(204);
}

export { parseData };
