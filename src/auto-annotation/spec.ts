/**
 * What a detection function declares: its labels, their attributes and their skeleton sublabels,
 * each with an id of the function's own (shapes refer to these ids; the driver maps them to the
 * task's by name). The same vocabulary as CVAT's `DetectionFunctionSpec`.
 */

/** Shape kinds a label may be restricted to (`any` accepts every kind; `tag` means tags only). */
export type LabelKind =
  | 'any'
  | 'rectangle'
  | 'polygon'
  | 'polyline'
  | 'points'
  | 'ellipse'
  | 'cuboid'
  | 'mask'
  | 'skeleton'
  | 'tag';

export type AttributeInputType = 'checkbox' | 'radio' | 'number' | 'text' | 'select';

export interface AttributeSpec {
  readonly id: number;
  readonly name: string;
  readonly input_type: AttributeInputType;
  /** Choices (radio, select), `[min, max, step]` (number), `['true'|'false']` (checkbox), `[]` (text). */
  readonly values: readonly string[];
  readonly default_value?: string;
  readonly mutable?: boolean;
}

export interface SublabelSpec {
  readonly id: number;
  readonly name: string;
  readonly type?: LabelKind;
  readonly attributes?: readonly AttributeSpec[];
}

export interface LabelSpec extends SublabelSpec {
  /** Skeleton points; only on labels of type `skeleton`. */
  readonly sublabels?: readonly SublabelSpec[];
}

export interface DetectionFunctionSpec {
  readonly labels: readonly LabelSpec[];
}

export type LabelExtras = Omit<LabelSpec, 'id' | 'name'>;

/** A label of the function. */
export function labelSpec(name: string, id: number, extras: LabelExtras = {}): LabelSpec {
  return { ...extras, id, name };
}

/** A skeleton label with its points (made with {@link keypointSpec}). */
export function skeletonLabelSpec(
  name: string,
  id: number,
  sublabels: readonly SublabelSpec[],
  extras: Omit<LabelExtras, 'type' | 'sublabels'> = {},
): LabelSpec {
  return { ...extras, id, name, type: 'skeleton', sublabels };
}

/** A point of a skeleton label. */
export function keypointSpec(
  name: string,
  id: number,
  extras: Omit<SublabelSpec, 'id' | 'name' | 'type'> = {},
): SublabelSpec {
  return { ...extras, id, name, type: 'points' };
}

const attribute =
  (input_type: AttributeInputType) =>
  (name: string, id: number, values: readonly string[], default_value?: string): AttributeSpec => ({
    id,
    name,
    input_type,
    values,
    ...(default_value === undefined ? {} : { default_value }),
  });

/** A choice among `values`, shown as a drop-down. */
export const selectAttributeSpec = attribute('select');
/** A choice among `values`, shown as radio buttons. */
export const radioAttributeSpec = attribute('radio');

/** A true/false attribute. */
export function checkboxAttributeSpec(name: string, id: number, defaultValue = false): AttributeSpec {
  return {
    id,
    name,
    input_type: 'checkbox',
    values: [String(defaultValue)],
    default_value: String(defaultValue),
  };
}

/** A number from `min` to `max` by `step`. */
export function numberAttributeSpec(
  name: string,
  id: number,
  range: { readonly min: number; readonly max: number; readonly step: number },
): AttributeSpec {
  return { id, name, input_type: 'number', values: [range.min, range.max, range.step].map(String) };
}

/** Free text. */
export function textAttributeSpec(name: string, id: number, defaultValue = ''): AttributeSpec {
  return { id, name, input_type: 'text', values: [defaultValue], default_value: defaultValue };
}
