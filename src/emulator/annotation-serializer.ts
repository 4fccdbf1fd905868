import { HttpError } from './errors';
import type { Json, JsonObject } from './model';

/**
 * CVAT's `LabeledDataSerializer` (cvat/apps/engine/serializers.py): field checks and defaults of
 * tags, shapes and tracks, the number of points per shape type, `elements` only on skeletons, and
 * `id` by action: PUT and PATCH `create` need it absent, `delete` needs it, `update` takes either.
 * Errors come back the way DRF nests them: `{"shapes": [{}, {"points": ["…"]}]}`.
 */

export type AnnotationAction = 'create' | 'update' | 'delete';
export type Kind = 'tags' | 'shapes' | 'tracks';
export const KINDS: readonly Kind[] = ['tags', 'shapes', 'tracks'];

export const SHAPE_TYPES = [
  'rectangle',
  'polygon',
  'polyline',
  'points',
  'ellipse',
  'cuboid',
  'mask',
  'skeleton',
] as const;
const SOURCES = ['auto', 'semi-auto', 'manual', 'file', 'consensus'] as const;

type Errors = Record<string, Json>;

const REQUIRED = ['This field is required.'];

/** The validated annotations, one list per kind. */
export type LabeledData = Record<Kind, JsonObject[]>;

/** Validates a whole `LabeledData` body; throws a 400 carrying DRF's nested errors. */
export function validateLabeledData(body: unknown, action: AnnotationAction): LabeledData {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
  const o = body as JsonObject;
  const out: LabeledData = { tags: [], shapes: [], tracks: [] };
  const errors: Errors = {};
  for (const kind of KINDS) {
    const raw = o[kind];
    if (raw === undefined || raw === null) continue;
    if (!Array.isArray(raw)) {
      errors[kind] = { non_field_errors: [`Expected a list of items but got type "${typeName(raw)}".`] };
      continue;
    }
    const itemErrors: Errors[] = [];
    raw.forEach((item) => {
      const e: Errors = {};
      const value =
        kind === 'tags'
          ? tag(item, action, e)
          : kind === 'shapes'
            ? shape(item, action, e, true)
            : track(item, action, e, true);
      itemErrors.push(e);
      if (value) out[kind].push(value);
    });
    if (itemErrors.some((e) => Object.keys(e).length > 0)) errors[kind] = itemErrors;
  }
  if (Object.keys(errors).length > 0) throw new HttpError(400, errors);
  return out;
}

/** A nested list serializer: every item parsed, errors kept per item (`[{}, {...}]`). */
function nested(
  o: JsonObject,
  k: string,
  e: Errors,
  parse: (raw: Json, e: Errors) => JsonObject | null,
): void {
  const v = o[k];
  if (v === undefined || v === null) {
    o[k] = [];
    return;
  }
  if (!Array.isArray(v)) {
    e[k] = { non_field_errors: [`Expected a list of items but got type "${typeName(v)}".`] };
    return;
  }
  const errs: Errors[] = [];
  const values: JsonObject[] = [];
  for (const raw of v) {
    const ie: Errors = {};
    const item = parse(raw, ie);
    errs.push(ie);
    if (item) values.push(item);
  }
  if (errs.some((x) => Object.keys(x).length > 0)) e[k] = errs;
  else o[k] = values;
}

function typeName(v: unknown): string {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'list' : 'dict';
}

function asItem(raw: Json, e: Errors): JsonObject | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    e.non_field_errors = [`Invalid data. Expected a dictionary, but got ${typeName(raw)}.`];
    return null;
  }
  return { ...raw };
}

function int(
  o: JsonObject,
  k: string,
  e: Errors,
  opts: { required?: boolean; min?: number; def?: number | null; nullable?: boolean },
): void {
  const v = o[k];
  if (v === undefined) {
    if (opts.required) e[k] = REQUIRED;
    else if (opts.def !== undefined) o[k] = opts.def;
    return;
  }
  if (v === null) {
    if (!opts.nullable) e[k] = ['This field may not be null.'];
    return;
  }
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    e[k] = ['A valid integer is required.'];
    return;
  }
  if (opts.min !== undefined && n < opts.min) {
    e[k] = [`Ensure this value is greater than or equal to ${opts.min}.`];
    return;
  }
  o[k] = n;
}

function float(o: JsonObject, k: string, e: Errors, def: number, min: number, max: number): void {
  const v = o[k];
  if (v === undefined) {
    o[k] = def;
    return;
  }
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    e[k] = ['A valid number is required.'];
    return;
  }
  if (n < min) e[k] = [`Ensure this value is greater than or equal to ${min}.`];
  else if (n > max) e[k] = [`Ensure this value is less than or equal to ${max}.`];
  else o[k] = n;
}

function bool(o: JsonObject, k: string, e: Errors, def: boolean): void {
  const v = o[k];
  if (v === undefined) o[k] = def;
  else if (v === true || v === 'true' || v === 'True' || v === 1) o[k] = true;
  else if (v === false || v === 'false' || v === 'False' || v === 0) o[k] = false;
  else e[k] = ['Must be a valid boolean.'];
}

/** `AnnotationSerializer.validate_id`: absent for create (PUT too), present for delete. */
function id(o: JsonObject, action: AnnotationAction, e: Errors): void {
  int(o, 'id', e, { def: null, nullable: true });
  if (e.id) return;
  if (action === 'create' && o.id !== null) e.id = ['must be absent'];
  if (action === 'delete' && o.id === null) e.id = ['must be present and not null'];
}

/** Fields every tag, shape and track has (`AnnotationSerializer` + frame + attributes). */
function common(o: JsonObject, action: AnnotationAction, e: Errors, withScore: boolean): void {
  id(o, action, e);
  int(o, 'label_id', e, { required: true, min: 0 });
  int(o, 'frame', e, { required: true, min: 0 });
  int(o, 'group', e, { def: 0, min: 0, nullable: true });
  if (o.group === null) o.group = 0;
  if (o.source === undefined) o.source = 'manual';
  else if (typeof o.source !== 'string') e.source = ['Not a valid string.'];
  attributes(o, e);
  if (withScore) float(o, 'score', e, 1, 0, 1);
}

/** `AnnotationSerializer.validate`: a source outside the choices is refused for new objects. */
function source(o: JsonObject, e: Errors): void {
  if (typeof o.source !== 'string' || (SOURCES as readonly string[]).includes(o.source)) return;
  if (typeof o.id === 'number' && o.id !== 0) {
    o.source = 'manual';
    return;
  }
  const choices = SOURCES.map((s) => `'${s}'`).join(', ');
  e.source = [`must be one of ${choices}, got '${o.source}'`];
}

function attributes(o: JsonObject, e: Errors): void {
  nested(o, 'attributes', e, (raw, ae) => {
    const a = asItem(raw, ae);
    if (!a) return null;
    int(a, 'spec_id', ae, { required: true });
    if (a.value === undefined) ae.value = REQUIRED;
    return { spec_id: a.spec_id ?? null, value: a.value === undefined ? '' : pythonStr(a.value) };
  });
}

/** `AttributeValSerializer.to_internal_value`: `str(value)` as Python writes it. */
function pythonStr(v: Json): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

/** `ShapeSerializer`: the shape fields and the number of points its type takes. */
function geometry(o: JsonObject, e: Errors): void {
  if (o.type === undefined) e.type = REQUIRED;
  else if (typeof o.type !== 'string' || !(SHAPE_TYPES as readonly string[]).includes(o.type))
    e.type = [`"${String(o.type as string)}" is not a valid choice.`];
  bool(o, 'occluded', e, false);
  bool(o, 'outside', e, false);
  int(o, 'z_order', e, { def: 0 });
  float(o, 'rotation', e, 0, 0, 360);
  const pts = o.points;
  if (pts === undefined) o.points = [];
  else if (!Array.isArray(pts)) e.points = [`Expected a list of items but got type "${typeName(pts)}".`];
  else {
    const bad: Errors = {};
    pts.forEach((p, i) => {
      if (typeof p !== 'number') bad[String(i)] = ['Value must be a float or an integer'];
    });
    if (Object.keys(bad).length > 0) e.points = bad;
  }
  if (Object.keys(e).length > 0) return;
  const n = (o.points as Json[]).length;
  const ok = pointsFit(o.type as string, n);
  if (!ok) e.points = [`invalid length for shape type '${String(o.type)}'`];
}

function pointsFit(type: string, n: number): boolean {
  switch (type) {
    case 'rectangle':
    case 'ellipse':
      return n === 4;
    case 'polygon':
      return n >= 6 && n % 2 === 0;
    case 'polyline':
      return n >= 4 && n % 2 === 0;
    case 'points':
      return n >= 2 && n % 2 === 0;
    case 'cuboid':
      return n === 16;
    case 'mask':
      return n >= 5;
    default:
      return n === 0; // skeleton: the points are on its elements
  }
}

function tag(raw: Json, action: AnnotationAction, e: Errors): JsonObject | null {
  const o = asItem(raw, e);
  if (!o) return null;
  common(o, action, e, false);
  if (Object.keys(e).length === 0) source(o, e);
  return o;
}

/** `LabeledShapeSerializer` (top level) or `SubLabeledShapeSerializer` (a skeleton's element). */
function shape(raw: Json, action: AnnotationAction, e: Errors, top: boolean): JsonObject | null {
  const o = asItem(raw, e);
  if (!o) return null;
  common(o, action, e, true);
  const ge: Errors = {};
  geometry(o, ge);
  Object.assign(e, ge);
  if (top) nested(o, 'elements', e, (el, ee) => shape(el, action, ee, false));
  else delete o.elements;
  if (Object.keys(e).length > 0) return o;
  source(o, e);
  if (top && Object.keys(e).length === 0) {
    const count = (o.elements as Json[]).length;
    if (o.type === 'skeleton' && count === 0) e.elements = ['at least one required for skeleton shape'];
    if (o.type !== 'skeleton' && count !== 0) e.elements = ['not allowed for non-skeleton shape'];
  }
  return o;
}

/** `LabeledTrackSerializer`: a track, its tracked shapes, and (for skeletons) its element tracks. */
function track(raw: Json, action: AnnotationAction, e: Errors, top: boolean): JsonObject | null {
  const o = asItem(raw, e);
  if (!o) return null;
  common(o, action, e, false);
  if (o.shapes === undefined) e.shapes = REQUIRED;
  else
    nested(o, 'shapes', e, (s, se) => {
      const so = asItem(s, se);
      if (!so) return null;
      int(so, 'id', se, { def: null, nullable: true });
      int(so, 'frame', se, { required: true, min: 0 });
      attributes(so, se);
      geometry(so, se);
      return so;
    });
  if (top) nested(o, 'elements', e, (el, ee) => track(el, action, ee, false));
  else delete o.elements;
  if (Object.keys(e).length === 0) source(o, e);
  return o;
}
