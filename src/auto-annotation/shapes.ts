/**
 * What a detection function returns for a frame: shapes and tags whose `label_id` (and each
 * attribute's `spec_id`, each skeleton element's `label_id`) is an id of the function's spec, and
 * whose `frame` is 0. The driver checks them, maps the ids to the task's and sets the frame.
 */

export type ShapeKind =
  'rectangle' | 'polygon' | 'polyline' | 'points' | 'ellipse' | 'cuboid' | 'mask' | 'skeleton';

export interface AttributeValue {
  readonly spec_id: number;
  readonly value: string;
}

export interface Annotated {
  readonly label_id: number;
  readonly frame: number;
  readonly attributes?: readonly AttributeValue[];
  readonly group?: number | null;
  readonly id?: number | null;
  readonly source?: string;
}

/** A skeleton point (type `points`, two coordinates). */
export interface DetectedElement extends Annotated {
  readonly type: ShapeKind;
  readonly points?: readonly number[];
  readonly occluded?: boolean;
  readonly outside?: boolean;
  readonly score?: number;
}

export interface DetectedShape extends Annotated {
  readonly type: ShapeKind;
  readonly points?: readonly number[];
  readonly rotation?: number;
  readonly occluded?: boolean;
  readonly outside?: boolean;
  readonly z_order?: number;
  readonly score?: number;
  /** Only on skeletons. */
  readonly elements?: readonly DetectedElement[];
}

/** A tag is an annotation without a `type`. */
export type DetectedTag = Annotated;

export type DetectedAnnotation = DetectedShape | DetectedTag;

export type ShapeExtras = Omit<DetectedShape, 'type' | 'label_id' | 'frame' | 'points' | 'elements'>;

/** A shape of any kind. */
export function shape(
  type: ShapeKind,
  labelId: number,
  points: readonly number[],
  extras: ShapeExtras = {},
): DetectedShape {
  return { ...extras, type, label_id: labelId, frame: 0, points };
}

/** `[xtl, ytl, xbr, ybr]`. */
export const rectangle = (labelId: number, points: readonly number[], extras?: ShapeExtras): DetectedShape =>
  shape('rectangle', labelId, points, extras);

/** `[x1, y1, x2, y2, …]`, three points at least. */
export const polygon = (labelId: number, points: readonly number[], extras?: ShapeExtras): DetectedShape =>
  shape('polygon', labelId, points, extras);

/** `[x1, y1, x2, y2, …]`, two points at least. */
export const polyline = (labelId: number, points: readonly number[], extras?: ShapeExtras): DetectedShape =>
  shape('polyline', labelId, points, extras);

/** `[x1, y1, …]`, one point at least. */
export const points = (labelId: number, coords: readonly number[], extras?: ShapeExtras): DetectedShape =>
  shape('points', labelId, coords, extras);

/** `[cx, cy, rx-point x, ry-point y]` as CVAT stores ellipses. */
export const ellipse = (labelId: number, coords: readonly number[], extras?: ShapeExtras): DetectedShape =>
  shape('ellipse', labelId, coords, extras);

/** CVAT's mask encoding: run lengths then `[left, top, right, bottom]` (see {@link encodeMask}). */
export const mask = (labelId: number, coords: readonly number[], extras?: ShapeExtras): DetectedShape =>
  shape('mask', labelId, coords, extras);

/** A skeleton made of {@link keypoint}s, one per sublabel of its label. */
export function skeleton(
  labelId: number,
  elements: readonly DetectedElement[],
  extras: ShapeExtras = {},
): DetectedShape {
  return { ...extras, type: 'skeleton', label_id: labelId, frame: 0, points: [], elements };
}

/** A point of a skeleton: `[x, y]`. */
export function keypoint(
  sublabelId: number,
  coords: readonly number[],
  extras: Omit<DetectedElement, 'type' | 'label_id' | 'frame' | 'points'> = {},
): DetectedElement {
  return { ...extras, type: 'points', label_id: sublabelId, frame: 0, points: coords };
}

/** A tag of the whole frame. */
export function tag(labelId: number, extras: Omit<DetectedTag, 'label_id' | 'frame'> = {}): DetectedTag {
  return { ...extras, label_id: labelId, frame: 0 };
}

/** An attribute value (`spec_id` is the function's attribute id). */
export function attributeValue(specId: number, value: string | number | boolean): AttributeValue {
  return { spec_id: specId, value: String(value) };
}

/**
 * A binary mask (`bitmap[y * width + x]` truthy = inside) cropped to `[left, top, right, bottom]`
 * (inclusive) in CVAT's run-length form: alternating runs of outside and inside pixels, row by row
 * within the box, starting with outside, followed by the box.
 */
export function encodeMask(
  bitmap: ArrayLike<number | boolean>,
  width: number,
  box: readonly [number, number, number, number],
): number[] {
  const [left, top, right, bottom] = box;
  const runs: number[] = [];
  let inside = false;
  let run = 0;
  for (let y = top; y <= bottom; y += 1) {
    for (let x = left; x <= right; x += 1) {
      const value = Boolean(bitmap[y * width + x]);
      if (value !== inside) {
        runs.push(run);
        run = 0;
        inside = value;
      }
      run += 1;
    }
  }
  runs.push(run);
  return [...runs, left, top, right, bottom];
}
