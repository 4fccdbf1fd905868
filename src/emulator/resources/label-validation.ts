import { HttpError } from '../errors';
import type { Json } from '../model';

/**
 * Field validation of CVAT's LabelSerializer / SublabelSerializer / AttributeSerializer
 * (cvat/apps/engine/serializers.py), with DRF's error shapes: a list of labels answers a list
 * with one entry per label (`{}` for a valid one), so an error sits at
 * `{"labels": [{}, {"type": ["…"]}]}`; nested attributes the same way.
 */

export const LABEL_TYPES = [
  'any',
  'cuboid',
  'ellipse',
  'mask',
  'points',
  'polygon',
  'polyline',
  'rectangle',
  'skeleton',
  'interval',
  'tag',
] as const;
export const INPUT_TYPES = ['checkbox', 'radio', 'number', 'text', 'select'] as const;

export interface LabelRules {
  /** Required fields may be left out (a PATCH: DRF's partial update). */
  partial: boolean;
}

type ErrorTree = { [field: string]: string[] | ErrorTree[] | ErrorTree };

const REQUIRED = 'This field is required.';

function typeName(v: Json): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v === 'boolean' ? 'bool' : 'dict';
}

function scalarErrors(
  o: { [k: string]: Json },
  errors: ErrorTree,
  rules: LabelRules,
  spec: Record<string, 'int' | 'string' | 'bool' | readonly string[] | 'strings'>,
  required: readonly string[],
): void {
  for (const [k, kind] of Object.entries(spec)) {
    const v = o[k];
    if (v === undefined) {
      if (required.includes(k) && !rules.partial) errors[k] = [REQUIRED];
      continue;
    }
    if (v === null) {
      errors[k] = ['This field may not be null.'];
      continue;
    }
    if (kind === 'int' && !(Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v))))
      errors[k] = ['A valid integer is required.'];
    else if (kind === 'string' && typeof v !== 'string' && typeof v !== 'number')
      errors[k] = ['Not a valid string.'];
    else if (kind === 'string' && k === 'name' && String(v).trim() === '')
      errors[k] = ['This field may not be blank.'];
    else if (kind === 'bool' && ![true, false, 'true', 'false', 'True', 'False', 1, 0].includes(v as never))
      errors[k] = ['Must be a valid boolean.'];
    else if (kind === 'strings') {
      if (!Array.isArray(v)) errors[k] = [`Expected a list of items but got type "${typeName(v)}".`];
      else if (v.some((x) => typeof x !== 'string' && typeof x !== 'number'))
        errors[k] = ['Not a valid string.'];
    } else if (Array.isArray(kind) && !(kind as readonly Json[]).includes(v))
      errors[k] = [`"${String(v)}" is not a valid choice.`];
  }
}

/** A `many=True` nested serializer: null when every item is valid. */
function listErrors(
  raw: Json,
  item: (o: { [k: string]: Json }) => ErrorTree,
): ErrorTree[] | ErrorTree | null {
  if (!Array.isArray(raw))
    return { non_field_errors: [`Expected a list of items but got type "${typeName(raw)}".`] };
  const out = raw.map((v): ErrorTree => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      return { non_field_errors: [`Invalid data. Expected a dictionary, but got ${typeName(v)}.`] };
    return item(v);
  });
  return out.some((e) => Object.keys(e).length) ? out : null;
}

function attributeErrors(o: { [k: string]: Json }, rules: LabelRules): ErrorTree {
  const errors: ErrorTree = {};
  scalarErrors(
    o,
    errors,
    rules,
    {
      id: 'int',
      name: 'string',
      mutable: 'bool',
      input_type: INPUT_TYPES,
      default_value: 'string',
      values: 'strings',
      deleted: 'bool',
    },
    ['name', 'mutable', 'input_type', 'values'],
  );
  if (!Object.keys(errors).length && isTrue(o.deleted) && o.id === undefined)
    errors.non_field_errors = ['Deleted attribute must have an ID'];
  return errors;
}

function labelErrors(o: { [k: string]: Json }, rules: LabelRules, sublabel: boolean): ErrorTree {
  const errors: ErrorTree = {};
  scalarErrors(
    o,
    errors,
    rules,
    {
      id: 'int',
      name: 'string',
      color: 'string',
      type: LABEL_TYPES,
      ...(sublabel ? {} : { deleted: 'bool', svg: 'string' }),
    },
    ['name'],
  );
  if (o.attributes !== undefined) {
    const a = listErrors(o.attributes, (x) => attributeErrors(x, rules));
    if (a) errors.attributes = a;
  }
  if (!sublabel && o.sublabels !== undefined) {
    const s = listErrors(o.sublabels, (x) => labelErrors(x, rules, true));
    if (s) errors.sublabels = s;
  }
  if (!sublabel && !Object.keys(errors).length && isTrue(o.deleted) && o.id === undefined)
    errors.non_field_errors = ['Deleted label must have an ID'];
  return errors;
}

const isTrue = (v: Json | undefined): boolean => v === true || v === 'true' || v === 'True';

/** Errors of the `labels` field of a project or task write request (null when valid). */
export function labelsFieldErrors(raw: Json | undefined, rules: LabelRules): ErrorTree[] | ErrorTree | null {
  if (raw === undefined) return null;
  return listErrors(raw, (o) => labelErrors(o, rules, false));
}

/** PATCH /api/labels/{id}: the body is one label (LabelSerializer with `local=True`). */
export function checkLocalLabelPatch(o: { [k: string]: Json }): void {
  // LabelSerializer.validate checks `deleted` of a local update before anything else.
  const { deleted, ...rest } = o;
  const errors = labelErrors(rest, { partial: true }, false);
  if (
    deleted !== undefined &&
    deleted !== null &&
    !isTrue(deleted) &&
    ![false, 'false', 'False'].includes(deleted as never)
  )
    errors.deleted = ['Must be a valid boolean.'];
  if (Object.keys(errors).length) throw new HttpError(400, errors);
  if (isTrue(deleted))
    throw new HttpError(400, {
      non_field_errors: [
        'Labels cannot be deleted by updating in this endpoint. Please use the DELETE method instead.',
      ],
    });
}

/** LabelSerializer.check_attribute_names_unique, raised while saving: a plain list body. */
export function checkAttributeNamesUnique(attributes: Json[] | undefined): void {
  const seen = new Set<string>();
  for (const a of attributes ?? []) {
    if (typeof a !== 'object' || a === null || Array.isArray(a) || isTrue(a.deleted)) continue;
    const name = a.name;
    if (typeof name !== 'string') continue;
    if (seen.has(name)) throw new HttpError(400, [`Duplicate attribute with name '${name}' exists`]);
    seen.add(name);
  }
}

/** Adds the `labels` field's errors to a request's field errors. */
export function addLabelsFieldErrors(
  errors: Record<string, unknown>,
  raw: Json | undefined,
  rules: LabelRules,
): void {
  const e = labelsFieldErrors(raw, rules);
  if (e) errors.labels = e;
}

/** A project write request's field validation (only `labels` has nested rules). */
export function checkLabelsField(o: { [k: string]: Json }, partial: boolean): void {
  const errors: Record<string, unknown> = {};
  addLabelsFieldErrors(errors, o.labels, { partial });
  if (Object.keys(errors).length) throw new HttpError(400, errors);
}
