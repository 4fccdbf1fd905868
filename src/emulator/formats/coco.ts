import type { Json, JsonObject, LabelRec, TaskRec } from '../model';
import { RequestFailure } from '../requests';

/** Everything a dataset writer or reader needs about one task. */
export interface TaskView {
  task: TaskRec;
  labels: LabelRec[];
  shapes: JsonObject[];
  tags: JsonObject[];
  tracks: JsonObject[];
}

const nums = (v: Json | undefined): number[] =>
  Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];

function bounds(points: number[]): [number, number, number, number] {
  const xs = points.filter((_, i) => i % 2 === 0);
  const ys = points.filter((_, i) => i % 2 === 1);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return [x, y, Math.max(...xs) - x, Math.max(...ys) - y];
}

function polygonArea(points: number[]): number {
  let a = 0;
  for (let i = 0; i < points.length; i += 2) {
    const j = (i + 2) % points.length;
    a += points[i]! * points[j + 1]! - points[j]! * points[i + 1]!;
  }
  return Math.abs(a) / 2;
}

/** Track keyframes that are visible become plain shapes in image-based formats. */
export function flattenTracks(tracks: JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  tracks.forEach((t, trackIndex) => {
    for (const s of Array.isArray(t.shapes) ? t.shapes : []) {
      const shape = s as JsonObject;
      if (shape.outside === true) continue;
      out.push({
        ...shape,
        label_id: t.label_id ?? null,
        group: t.group ?? 0,
        source: t.source ?? 'manual',
        track_id: trackIndex,
        attributes: [...((t.attributes as Json[]) ?? []), ...((shape.attributes as Json[]) ?? [])],
      });
    }
  });
  return out;
}

/** COCO 1.0 instances (rectangles and polygons), as CVAT's exporter writes them. */
export function cocoDocument(view: TaskView): JsonObject {
  const frames = view.task.data?.frames ?? [];
  const top = view.labels.filter((l) => l.parent_id === null);
  const catId = new Map(top.map((l, i) => [l.id, i + 1]));
  const attrName = new Map(view.labels.flatMap((l) => l.attributes.map((a) => [a.id, a.name] as const)));
  const annotations: JsonObject[] = [];
  for (const s of [...view.shapes, ...flattenTracks(view.tracks)]) {
    const category = catId.get(Number(s.label_id));
    const frame = Number(s.frame);
    if (!category || !frames[frame]) continue;
    const points = nums(s.points);
    const attributes: JsonObject = { occluded: s.occluded === true };
    for (const a of Array.isArray(s.attributes) ? s.attributes : []) {
      const o = a as JsonObject;
      const name = attrName.get(Number(o.spec_id));
      if (name) attributes[name] = o.value ?? '';
    }
    if (s.track_id !== undefined) attributes.track_id = s.track_id;
    if (s.type === 'rectangle' && points.length === 4) {
      const [x1, y1, x2, y2] = points as [number, number, number, number];
      const bbox = [x1, y1, x2 - x1, y2 - y1];
      annotations.push({
        id: annotations.length + 1,
        image_id: frame + 1,
        category_id: category,
        segmentation: [],
        area: bbox[2]! * bbox[3]!,
        bbox,
        iscrowd: 0,
        attributes,
      });
    } else if (s.type === 'polygon' && points.length >= 6) {
      annotations.push({
        id: annotations.length + 1,
        image_id: frame + 1,
        category_id: category,
        segmentation: [points],
        area: polygonArea(points),
        bbox: bounds(points),
        iscrowd: 0,
        attributes,
      });
    }
  }
  return {
    licenses: [{ name: '', id: 0, url: '' }],
    info: { contributor: '', date_created: '', description: '', url: '', version: '', year: '' },
    categories: top.map((l, i) => ({ id: i + 1, name: l.name, supercategory: '' })),
    images: frames.map((f, i) => ({
      id: i + 1,
      width: f.width,
      height: f.height,
      file_name: f.name,
      license: 0,
      flickr_url: '',
      coco_url: '',
      date_captured: 0,
    })),
    annotations,
  };
}

const stem = (name: string): string => name.replace(/^.*\//, '').replace(/\.[^.]*$/, '');

/** Maps a dataset's file name to a task frame: exact path, then basename, then name without extension. */
export function frameIndex(view: TaskView, name: string): number {
  const frames = view.task.data?.frames ?? [];
  let i = frames.findIndex((f) => f.name === name);
  if (i < 0) i = frames.findIndex((f) => f.name.replace(/^.*\//, '') === name.replace(/^.*\//, ''));
  if (i < 0) i = frames.findIndex((f) => stem(f.name) === stem(name));
  return i;
}

/** Reads COCO instances into CVAT shapes (by category name and image file name). */
export function parseCoco(view: TaskView, doc: unknown): JsonObject[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new RequestFailure('COCO: the annotation file is not a JSON object.');
  const d = doc as JsonObject;
  const cats = new Map<number, string>();
  for (const c of Array.isArray(d.categories) ? d.categories : []) {
    const o = c as JsonObject;
    cats.set(Number(o.id), String(o.name));
  }
  const images = new Map<number, string>();
  for (const im of Array.isArray(d.images) ? d.images : []) {
    const o = im as JsonObject;
    images.set(Number(o.id), String(o.file_name));
  }
  const byName = new Map(view.labels.filter((l) => l.parent_id === null).map((l) => [l.name, l]));
  const shapes: JsonObject[] = [];
  for (const a of Array.isArray(d.annotations) ? d.annotations : []) {
    const o = a as JsonObject;
    const catName = cats.get(Number(o.category_id));
    const label = catName === undefined ? undefined : byName.get(catName);
    if (!label)
      throw new RequestFailure(`COCO: category "${String(catName)}" does not match any label of the task.`);
    const file = images.get(Number(o.image_id));
    const frame = file === undefined ? -1 : frameIndex(view, file);
    if (frame < 0) throw new RequestFailure(`COCO: image "${String(file)}" is not in the task.`);
    const attrs =
      typeof o.attributes === 'object' && o.attributes !== null && !Array.isArray(o.attributes)
        ? (o.attributes as JsonObject)
        : {};
    const attributes = label.attributes
      .filter((at) => attrs[at.name] !== undefined)
      .map((at) => ({ spec_id: at.id, value: String(attrs[at.name]) }));
    const base = {
      label_id: label.id,
      frame,
      group: 0,
      source: 'file',
      occluded: attrs.occluded === true,
      outside: false,
      z_order: 0,
      rotation: 0,
      attributes,
    };
    const seg = Array.isArray(o.segmentation) ? o.segmentation : [];
    if (seg.length && Array.isArray(seg[0])) {
      for (const poly of seg) shapes.push({ ...base, type: 'polygon', points: nums(poly) });
    } else {
      const [x, y, w, h] = nums(o.bbox);
      if (x === undefined || y === undefined || w === undefined || h === undefined)
        throw new RequestFailure('COCO: an annotation has neither a bbox nor a polygon.');
      shapes.push({ ...base, type: 'rectangle', points: [x, y, x + w, y + h] });
    }
  }
  return shapes;
}
