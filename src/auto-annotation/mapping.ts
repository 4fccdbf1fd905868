import type { LabeledImageRequest, LabeledShapeRequest, SubLabeledShapeRequest } from '../models';
import { BadFunctionError } from './function';
import type { AttributeValue, DetectedAnnotation, DetectedElement, DetectedShape } from './shapes';
import type { AttributeSpec, LabelSpec, SublabelSpec } from './spec';

/**
 * Maps a function's labels, attributes and skeleton points to a task's by name (or through an
 * explicit name mapping, as CVAT sends with an annotation request), and checks every annotation a
 * function returns before anything is uploaded. Follows the rules of CVAT's SDK driver
 * (cvat_sdk/auto_annotation/driver.py), plus geometry checks the server would otherwise reject.
 */

/** A task's attribute as `GET /api/labels` gives it. */
export interface TaskAttribute {
  readonly id?: number;
  readonly name: string;
  readonly input_type: string;
  readonly values: readonly string[];
}

/** A task's label or skeleton sublabel. */
export interface TaskLabel {
  readonly id?: number;
  readonly name: string;
  readonly type?: string;
  readonly attributes?: readonly TaskAttribute[];
  readonly sublabels?: readonly TaskLabel[];
}

/** Function name → task name, for one label (CVAT's `LabelMappingEntryRequest`). */
export interface LabelNameMapping {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly sublabels?: Readonly<Record<string, Omit<LabelNameMapping, 'sublabels'>>>;
}

/** Function label name → its mapping. Labels left out are not used. */
export type SpecNameMapping = Readonly<Record<string, LabelNameMapping>>;

export interface MapperOptions {
  readonly allowUnmatchedLabels: boolean;
  readonly convMaskToPoly: boolean;
  /** Without it every function label maps to the task label of the same name. */
  readonly mapping?: SpecNameMapping;
}

interface AttributeTarget {
  readonly id: number;
  readonly accepts: (value: string) => boolean;
}

interface SublabelTarget {
  readonly id: number;
  /** Function attribute id → task attribute (null: unmatched, values dropped). */
  readonly attributes: ReadonlyMap<number, AttributeTarget | null>;
}

interface LabelTarget extends SublabelTarget {
  readonly sublabels: ReadonlyMap<number, SublabelTarget | null>;
  readonly elementCount: number;
  /** The kind of annotation expected (`any` = whatever the function returns). */
  readonly expected: string;
}

/** The number of coordinates a shape kind needs: exactly, or at least (and even). */
const GEOMETRY: Readonly<Record<string, { readonly exact?: number; readonly min?: number }>> = {
  rectangle: { exact: 4 },
  ellipse: { exact: 4 },
  cuboid: { exact: 16 },
  polygon: { min: 6 },
  polyline: { min: 4 },
  points: { min: 2 },
  mask: { min: 5 },
  skeleton: { min: 0 },
};

/** Whether a value suits an attribute of the function's spec (as cvat_sdk.attributes checks). */
function valueCheck(spec: AttributeSpec): (value: string) => boolean {
  switch (spec.input_type) {
    case 'checkbox':
      return (value) => value === 'true' || value === 'false';
    case 'radio':
    case 'select':
      return (value) => spec.values.includes(value);
    case 'number': {
      const [min, max, step] = spec.values.map(Number);
      return (value) => {
        if (value.trim() === '') return false;
        const n = Number(value);
        if (!Number.isFinite(n) || min === undefined || max === undefined || step === undefined) return false;
        if (n < min || n > max) return false;
        const steps = (n - min) / step;
        return Math.abs(steps - Math.round(steps)) < 1e-9;
      };
    }
    default:
      return () => true;
  }
}

const sameValues = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

const compatible = (kind: string, expected: string): boolean => expected === 'any' || expected === kind;

export class AnnotationMapper {
  private readonly labels: ReadonlyMap<number, LabelTarget | null>;

  constructor(
    functionLabels: readonly LabelSpec[],
    taskLabels: readonly TaskLabel[],
    private readonly options: MapperOptions,
  ) {
    const byName = new Map(taskLabels.map((label) => [label.name, label]));
    const labels = new Map<number, LabelTarget | null>();
    for (const label of functionLabels) {
      if (labels.has(label.id))
        throw new BadFunctionError(`label "${label.name}" has the same id as another label (${label.id})`);
      labels.set(label.id, this.labelTarget(label, byName));
    }
    this.labels = labels;
  }

  private unmatched(what: string): null {
    if (!this.options.allowUnmatchedLabels)
      throw new BadFunctionError(`${what} is not in the task (allowUnmatchedLabels lets it be ignored)`);
    return null;
  }

  private labelTarget(label: LabelSpec, byName: ReadonlyMap<string, TaskLabel>): LabelTarget | null {
    const what = `label "${label.name}"`;
    const nameMapping = this.options.mapping ? this.options.mapping[label.name] : { name: label.name };
    if (!nameMapping) return null;
    const taskLabel = byName.get(nameMapping.name);
    if (!taskLabel) return this.unmatched(what);
    const base = this.sublabelTarget(label, taskLabel, what, nameMapping.attributes);
    const taskSublabels = new Map((taskLabel.sublabels ?? []).map((sl) => [sl.name, sl]));
    const sublabels = new Map<number, SublabelTarget | null>();
    if ((label.sublabels ?? []).length > 0 && label.type !== 'skeleton')
      throw new BadFunctionError(
        `${what} has sublabels but type "${label.type ?? 'any'}" (should be "skeleton")`,
      );
    for (const sublabel of label.sublabels ?? []) {
      const slWhat = `sublabel "${sublabel.name}" of ${what}`;
      if (sublabels.has(sublabel.id))
        throw new BadFunctionError(`${slWhat} has the same id as another sublabel (${sublabel.id})`);
      const slMapping = nameMapping.sublabels
        ? nameMapping.sublabels[sublabel.name]
        : { name: sublabel.name };
      const target = slMapping ? taskSublabels.get(slMapping.name) : undefined;
      sublabels.set(
        sublabel.id,
        !slMapping
          ? null
          : target
            ? this.sublabelTarget(sublabel, target, slWhat, slMapping.attributes)
            : this.unmatched(slWhat),
      );
    }
    return {
      ...base,
      sublabels,
      elementCount: (taskLabel.sublabels ?? []).length,
      expected: this.expectedKind(label, taskLabel),
    };
  }

  private expectedKind(label: LabelSpec, taskLabel: TaskLabel): string {
    const taskKind = taskLabel.type ?? 'any';
    let kind = label.type ?? 'any';
    if (kind === 'any') return taskKind;
    if (this.options.convMaskToPoly && kind === 'mask') kind = 'polygon';
    if (!compatible(kind, taskKind))
      throw new BadFunctionError(
        `label "${label.name}" has type "${kind}" in the function but "${taskKind}" in the task`,
      );
    return kind;
  }

  private sublabelTarget(
    label: SublabelSpec,
    taskLabel: TaskLabel,
    what: string,
    attributeNames: Readonly<Record<string, string>> | undefined,
  ): SublabelTarget {
    if (taskLabel.id === undefined) throw new BadFunctionError(`task ${what} has no id`);
    const taskAttributes = new Map((taskLabel.attributes ?? []).map((a) => [a.name, a]));
    const attributes = new Map<number, AttributeTarget | null>();
    for (const attribute of label.attributes ?? []) {
      const attrWhat = `attribute "${attribute.name}" of ${what}`;
      if (attributes.has(attribute.id))
        throw new BadFunctionError(`${attrWhat} has the same id as another attribute (${attribute.id})`);
      const mapped = attributeNames ? attributeNames[attribute.name] : attribute.name;
      if (mapped === undefined) {
        attributes.set(attribute.id, null);
        continue;
      }
      const target = taskAttributes.get(mapped);
      if (!target || target.id === undefined) {
        attributes.set(attribute.id, this.unmatched(attrWhat));
        continue;
      }
      if (target.input_type !== attribute.input_type)
        throw new BadFunctionError(
          `${attrWhat} has input type "${attribute.input_type}" in the function but "${target.input_type}" in the task`,
        );
      const valuesMatch =
        attribute.input_type === 'text' || attribute.input_type === 'checkbox'
          ? true
          : attribute.input_type === 'number'
            ? attribute.values.join('\n') === target.values.join('\n')
            : sameValues(attribute.values, target.values);
      if (!valuesMatch)
        throw new BadFunctionError(
          `${attrWhat} has values ${JSON.stringify(attribute.values)} in the function but ${JSON.stringify(target.values)} in the task`,
        );
      attributes.set(attribute.id, { id: target.id, accepts: valueCheck(attribute) });
    }
    return { id: taskLabel.id, attributes };
  }

  /**
   * Checks what a function returned for one frame and maps it to the task: ids replaced, frame
   * set, source `auto`. Annotations of unmatched labels are dropped. The first problem is a
   * BadFunctionError naming the frame and the annotation.
   */
  remap(
    output: readonly DetectedAnnotation[],
    frame: number,
    frameName: string,
  ): { readonly shapes: LabeledShapeRequest[]; readonly tags: LabeledImageRequest[] } {
    const shapes: LabeledShapeRequest[] = [];
    const tags: LabeledImageRequest[] = [];
    output.forEach((annotation, index) => {
      const fail = (problem: string): never => {
        throw new BadFunctionError(
          `frame ${frame} ("${frameName}"), annotation #${index}${describe(annotation)}: ${problem}`,
          { frame },
        );
      };
      try {
        const kind = this.remapOne(annotation, frame, fail);
        if (kind?.type === 'shape') shapes.push(kind.value);
        else if (kind?.type === 'tag') tags.push(kind.value);
      } catch (error) {
        if (error instanceof BadFunctionError) throw error;
        fail(error instanceof Error ? error.message : String(error));
      }
    });
    return { shapes, tags };
  }

  private remapOne(
    annotation: DetectedAnnotation,
    frame: number,
    fail: (problem: string) => never,
  ):
    | { readonly type: 'shape'; readonly value: LabeledShapeRequest }
    | { readonly type: 'tag'; readonly value: LabeledImageRequest }
    | undefined {
    if (typeof annotation !== 'object' || annotation === null) return fail('not an object');
    common(annotation, fail);
    const target = this.labels.get(annotation.label_id);
    if (target === undefined) return fail(`unknown label id ${annotation.label_id}`);
    if (target === null) return undefined;
    const attributes = remapAttributes(annotation.attributes, target, fail);
    const base = {
      label_id: target.id,
      frame,
      source: 'auto',
      ...(attributes ? { attributes } : {}),
      ...(annotation.group === undefined || annotation.group === null ? {} : { group: annotation.group }),
    };
    if (!('type' in annotation)) {
      if (!compatible('tag', target.expected))
        return fail(`a tag, but the label takes ${target.expected} shapes`);
      return { type: 'tag', value: base };
    }
    const detected: DetectedShape = annotation;
    const kind = detected.type;
    if (!compatible(kind, target.expected)) return fail(`type "${kind}" (expected "${target.expected}")`);
    if (kind === 'mask' && this.options.convMaskToPoly) return fail('a mask despite convMaskToPoly');
    const points = checkPoints(kind, detected.points, fail);
    const elements =
      kind === 'skeleton'
        ? this.remapElements(detected.elements ?? [], target, frame, fail)
        : (detected.elements ?? []).length > 0
          ? fail('elements on a shape that is not a skeleton')
          : undefined;
    const value: LabeledShapeRequest = {
      ...base,
      type: kind,
      points,
      ...pick(detected, ['rotation', 'occluded', 'outside', 'z_order', 'score']),
      ...(elements ? { elements } : {}),
    };
    return { type: 'shape', value };
  }

  private remapElements(
    elements: readonly DetectedElement[],
    target: LabelTarget,
    frame: number,
    fail: (problem: string) => never,
  ): SubLabeledShapeRequest[] {
    const seen = new Set<number>();
    const mapped: SubLabeledShapeRequest[] = [];
    elements.forEach((element, i) => {
      const failElement = (problem: string): never => fail(`element #${i}: ${problem}`);
      common(element, failElement);
      if (element.type !== 'points') return failElement(`type "${element.type}" (skeleton points only)`);
      const sublabel = target.sublabels.get(element.label_id);
      if (sublabel === undefined) return failElement(`unknown sublabel id ${element.label_id}`);
      if (sublabel === null) return;
      if (seen.has(sublabel.id)) return failElement('a second element of the same sublabel');
      seen.add(sublabel.id);
      const attributes = remapAttributes(element.attributes, sublabel, failElement);
      mapped.push({
        type: 'points',
        label_id: sublabel.id,
        frame,
        source: 'auto',
        points: checkPoints('points', element.points, failElement),
        ...(attributes ? { attributes } : {}),
        ...pick(element, ['occluded', 'outside', 'score']),
      });
    });
    if (mapped.length !== target.elementCount)
      fail(`a skeleton with ${mapped.length} of the task label's ${target.elementCount} points`);
    return mapped;
  }
}

function describe(annotation: DetectedAnnotation): string {
  if (typeof annotation !== 'object' || annotation === null) return '';
  const kind = 'type' in annotation ? String(annotation.type) : 'tag';
  return ` (${kind}, label id ${String(annotation.label_id)})`;
}

function common(
  annotation: {
    readonly id?: unknown;
    readonly source?: unknown;
    readonly frame?: unknown;
    readonly label_id?: unknown;
  },
  fail: (problem: string) => never,
): void {
  if (annotation.id !== undefined && annotation.id !== null) fail('has a preset id');
  if (annotation.source !== undefined) fail('has a preset source');
  if (annotation.frame !== 0) fail(`frame ${String(annotation.frame)} (must be 0; the driver sets it)`);
  if (typeof annotation.label_id !== 'number') fail('label_id is not a number');
}

function remapAttributes(
  values: readonly AttributeValue[] | undefined,
  target: SublabelTarget,
  fail: (problem: string) => never,
): AttributeValue[] | undefined {
  if (values === undefined) return undefined;
  const seen = new Set<number>();
  const out: AttributeValue[] = [];
  for (const attribute of values) {
    const mapped = target.attributes.get(attribute.spec_id);
    if (mapped === undefined) return fail(`unknown attribute id ${attribute.spec_id}`);
    if (mapped === null) continue;
    if (seen.has(mapped.id)) return fail(`attribute ${attribute.spec_id} given twice`);
    if (typeof attribute.value !== 'string' || !mapped.accepts(attribute.value))
      return fail(`value ${JSON.stringify(attribute.value)} does not suit attribute ${attribute.spec_id}`);
    seen.add(mapped.id);
    out.push({ spec_id: mapped.id, value: attribute.value });
  }
  return out;
}

function checkPoints(
  kind: string,
  points: readonly number[] | undefined,
  fail: (problem: string) => never,
): number[] {
  const rule = GEOMETRY[kind];
  if (!rule) return fail(`unknown shape type "${kind}"`);
  const list = points ?? [];
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'number' || !Number.isFinite(p)))
    return fail('points must be finite numbers');
  if (rule.exact !== undefined && list.length !== rule.exact)
    return fail(`${list.length} coordinates (a ${kind} takes ${rule.exact})`);
  if (rule.min !== undefined && list.length < rule.min)
    return fail(`${list.length} coordinates (a ${kind} takes at least ${rule.min})`);
  if (kind !== 'mask' && list.length % 2 !== 0) return fail(`an odd number of coordinates (${list.length})`);
  return [...list];
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
