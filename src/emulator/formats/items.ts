import type { ZipEntry } from '../data/zip';
import type { Json, JsonObject, LabelRec } from '../model';
import type { TaskView } from './coco';
import { interpolateTrack } from './tracks';

/** An attribute value as Datumaro holds it: numbers as floats, checkboxes as booleans. */
export type DmValue = string | number | boolean;

/** A shape of one frame, with its Datumaro attributes (label attributes, occluded, rotation, track). */
export interface DmShape {
  type: string;
  label: LabelRec;
  points: number[];
  occluded: boolean;
  z_order: number;
  rotation: number;
  group: number;
  attributes: Array<[string, DmValue]>;
  elements: DmShape[];
  outside: boolean;
}

/** An image of a dataset archive and its name in the task made from it. */
export interface DatasetImage {
  name: string;
  entry: ZipEntry;
}

/** One frame of a task as CVAT's Datumaro-based exporters see it (a `DatasetItem`). */
export interface DmItem {
  view: TaskView;
  /** The frame's index in the task. */
  frame: number;
  /** The frame's file name without its extension (CVAT's item id). */
  id: string;
  /** The frame's file name (a path relative to the task's data). */
  name: string;
  ext: string;
  subset: string;
  width: number;
  height: number;
  path: string;
  tags: Array<{ label: LabelRec; group: number; attributes: Array<[string, DmValue]> }>;
  shapes: DmShape[];
}

/** `3.0` for 3, `0.5` for 0.5: how Python's str() writes a float. */
export function pyFloat(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? n.toFixed(1) : String(n);
}

/** How Python's str() writes a Datumaro attribute value. */
export function pyStr(name: string, v: DmValue): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return name === 'track_id' ? String(v) : pyFloat(v);
  return v;
}

/** A file of a dataset archive that is an image (what CVAT takes as media when it imports one). */
export const isImage = (name: string): boolean => /\.(png|jpe?g|gif|bmp|webp|tiff?)$/i.test(name);

export const extOf = (name: string): string => /\.[^./]*$/.exec(name)?.[0] ?? '';
export const withoutExt = (name: string): string => name.slice(0, name.length - extOf(name).length);

/**
 * A label's attributes in spec order, each with its value or the spec's default, numbers as
 * floats and checkboxes as booleans (bindings.py: CvatToDmAnnotationConverter._convert_attrs).
 */
function dmAttributes(label: LabelRec, raw: Json | undefined): Array<[string, DmValue]> {
  const given = new Map<number, string>();
  for (const a of Array.isArray(raw) ? raw : []) {
    const o = a as JsonObject;
    given.set(Number(o.spec_id), String(o.value ?? ''));
  }
  return label.attributes.map((spec) => {
    const value = given.get(spec.id) ?? spec.default_value;
    if (spec.input_type === 'number') return [spec.name, Number(value)];
    if (spec.input_type === 'checkbox') return [spec.name, value.toLowerCase() === 'true'];
    return [spec.name, value];
  });
}

function labelOf(view: TaskView, id: Json | undefined): LabelRec | undefined {
  return view.labels.find((l) => l.id === Number(id));
}

function dmShape(view: TaskView, s: JsonObject, track?: { id: number; keyframe: boolean }): DmShape | null {
  const label = labelOf(view, s.label_id);
  if (!label) return null;
  const attributes = dmAttributes(label, s.attributes);
  attributes.push(['occluded', s.occluded === true]);
  if (s.type === 'rectangle') attributes.push(['rotation', Number(s.rotation ?? 0)]);
  if (track) attributes.push(['track_id', track.id], ['keyframe', track.keyframe]);
  const elements = (Array.isArray(s.elements) ? s.elements : [])
    .map((e) => dmShape(view, e as JsonObject))
    .filter((e): e is DmShape => e !== null);
  return {
    type: String(s.type),
    label,
    points: Array.isArray(s.points) ? s.points.filter((x): x is number => typeof x === 'number') : [],
    occluded: s.occluded === true,
    z_order: Number(s.z_order ?? 0),
    rotation: Number(s.rotation ?? 0),
    group: Number(s.group ?? 0),
    attributes,
    elements,
    outside: s.outside === true,
  };
}

/**
 * The dataset items of one or more tasks, one per frame that is not deleted: tags, then shapes,
 * then the visible frames of each track (interpolated, with `track_id` and `keyframe`).
 */
export function datasetItems(views: TaskView[]): DmItem[] {
  const items: DmItem[] = [];
  for (const view of views) {
    const frames = view.task.data?.frames ?? [];
    const deleted = new Set(view.task.data?.deleted_frames ?? []);
    const byFrame = new Map<number, DmItem>();
    frames.forEach((f, i) => {
      if (deleted.has(i)) return;
      const item: DmItem = {
        view,
        frame: i,
        id: withoutExt(f.name),
        name: f.name,
        ext: extOf(f.name),
        subset: view.task.subset || 'default',
        width: f.width,
        height: f.height,
        path: f.path,
        tags: [],
        shapes: [],
      };
      byFrame.set(i, item);
      items.push(item);
    });
    for (const t of view.tags) {
      const label = labelOf(view, t.label_id);
      const item = byFrame.get(Number(t.frame));
      if (label && item)
        item.tags.push({ label, group: Number(t.group ?? 0), attributes: dmAttributes(label, t.attributes) });
    }
    for (const s of view.shapes) {
      const shape = dmShape(view, s);
      if (shape) byFrame.get(Number(s.frame))?.shapes.push(shape);
    }
    view.tracks.forEach((t, id) => {
      for (const f of interpolateTrack(t, frames.length - 1)) {
        const item = byFrame.get(f.frame);
        if (!item || f.outside) continue;
        const shape = dmShape(
          view,
          { ...f, label_id: t.label_id ?? null, group: t.group ?? 0 },
          {
            id,
            keyframe: f.keyframe,
          },
        );
        if (shape) item.shapes.push(shape);
      }
    });
  }
  return items;
}

/** The index of each label in CVAT's Datumaro categories: all labels, sublabels included, by id. */
export function labelIndex(view: TaskView): Map<number, number> {
  return new Map(view.labels.map((l, i) => [l.id, i]));
}
