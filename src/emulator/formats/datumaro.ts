import type { Json, JsonObject, LabelRec } from '../model';
import { RequestFailure } from '../requests';
import type { ZipEntry, ZipSource } from '../data/zip';
import type { TaskView } from './coco';
import { frameIndex } from './coco';
import { datasetItems, isImage, labelIndex, pyStr } from './items';
import type { DatasetImage, DmItem, DmShape, DmValue } from './items';
import { trackedShape } from './parsed';
import type { Parsed } from './parsed';

/** CVAT's label categories: every label (sublabels with their parent), attributes listed once. */
function categories(labels: LabelRec[]): JsonObject {
  const names = new Set(['occluded', ...labels.flatMap((l) => l.attributes.map((a) => a.name))]);
  const parentName = (l: LabelRec): string => labels.find((p) => p.id === l.parent_id)?.name ?? '';
  const index = new Map(labels.map((l, i) => [l.id, i]));
  const points = labels
    .filter((l) => l.type === 'skeleton')
    .map((l) => {
      const subs = labels.filter((s) => s.parent_id === l.id);
      const circles = [...l.svg.matchAll(/<circle\b[^>]*>/g)].map((m) => m[0]);
      const names = circles.map((c) => {
        const byName = /data-label-name="([^"]*)"/.exec(c)?.[1];
        const byId = /data-label-id="(\d+)"/.exec(c)?.[1];
        return byName ?? subs.find((s) => String(s.id) === byId)?.name ?? '';
      });
      const joints = [...l.svg.matchAll(/<line\b[^>]*>/g)].map((m) => [
        Number(/data-node-from="(\d+)"/.exec(m[0])?.[1] ?? 0),
        Number(/data-node-to="(\d+)"/.exec(m[0])?.[1] ?? 0),
      ]);
      return { label_id: index.get(l.id) ?? 0, labels: names, joints };
    });
  return {
    label: {
      labels: labels.map((l) => ({ name: l.name, parent: parentName(l), attributes: [] })),
      attributes: [...names].sort(),
    },
    points: { items: points },
  };
}

const attrs = (list: Array<[string, DmValue]>): JsonObject => Object.fromEntries(list);

function annotation(shape: DmShape, index: Map<number, number>, element = false): JsonObject | null {
  const head = {
    id: 0,
    type: '',
    attributes: attrs(shape.attributes),
    group: element ? 0 : shape.group,
    label_id: index.get(shape.label.id) ?? 0,
  };
  switch (shape.type) {
    case 'rectangle': {
      const [x1, y1, x2, y2] = shape.points as [number, number, number, number];
      return { ...head, type: 'bbox', z_order: shape.z_order, bbox: [x1, y1, x2 - x1, y2 - y1] };
    }
    case 'polygon':
    case 'polyline':
      return { ...head, type: shape.type, points: shape.points, z_order: shape.z_order };
    case 'points': {
      // Skeleton points: 0 absent (outside), 1 hidden (occluded), 2 visible.
      const visibility = element ? (shape.outside ? 0 : shape.occluded ? 1 : 2) : 2;
      return {
        ...head,
        type: 'points',
        points: shape.points,
        z_order: shape.z_order,
        visibility: Array.from({ length: shape.points.length / 2 }, () => visibility),
      };
    }
    case 'skeleton':
      return {
        ...head,
        type: 'skeleton',
        attributes: { ...head.attributes, keyframe: head.attributes.keyframe ?? false },
        elements: shape.elements
          .map((e) =>
            annotation({ ...e, attributes: e.attributes.filter(([n]) => n !== 'occluded') }, index, true),
          )
          .filter((e): e is JsonObject => e !== null),
      };
    default:
      // Ellipses and masks become RLE masks in CVAT; the emulator does not write masks.
      return null;
  }
}

function itemJson(item: DmItem, saveImages: boolean): JsonObject {
  const index = labelIndex(item.view);
  const annotations: JsonObject[] = item.tags.map((t) => ({
    id: 0,
    type: 'label',
    attributes: attrs(t.attributes),
    group: t.group,
    label_id: index.get(t.label.id) ?? 0,
  }));
  for (const s of item.shapes) {
    const a = annotation(s, index);
    if (a) annotations.push(a);
  }
  const out: JsonObject = { id: item.id, annotations, attr: { frame: item.frame } };
  // Without images CVAT drops the image from each item (datumaro.py: DeleteImagePath).
  if (saveImages) out.image = { path: item.id + item.ext, size: [item.height, item.width] };
  return out;
}

/**
 * "Datumaro 1.0", as CVAT writes it through Datumaro's converter: annotations/<subset>.json with
 * the label categories and one item per frame (`attr.frame`, annotations as label, bbox, polygon,
 * polyline, points and skeleton objects), and images/<subset>/<id><ext> with the images.
 */
export function datumaroEntries(views: TaskView[], saveImages: boolean): ZipSource[] {
  const entries: ZipSource[] = [];
  const subsets = new Map<string, JsonObject[]>();
  for (const item of datasetItems(views)) {
    subsets.set(item.subset, [...(subsets.get(item.subset) ?? []), itemJson(item, saveImages)]);
    if (saveImages) entries.push({ name: `images/${item.subset}/${item.id}${item.ext}`, path: item.path });
  }
  const cats = categories(views[0]?.labels ?? []);
  for (const [subset, items] of subsets) {
    entries.push({
      name: `annotations/${subset}.json`,
      data: Buffer.from(JSON.stringify({ info: {}, categories: cats, items })),
    });
  }
  return entries;
}

/** The images of a Datumaro archive by subset: images/<subset>/<name>. */
export function datumaroMedia(entries: ZipEntry[]): Map<string, DatasetImage[]> {
  const out = new Map<string, DatasetImage[]>();
  for (const entry of entries) {
    const m = /^images\/([^/]+)\/(.+)$/.exec(entry.name);
    if (!m || entry.isDirectory || !isImage(entry.name)) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), { name: m[2]!, entry }]);
  }
  return out;
}

const SHAPES: Record<string, string> = {
  bbox: 'rectangle',
  polygon: 'polygon',
  polyline: 'polyline',
  points: 'points',
  skeleton: 'skeleton',
};
const SOURCES = new Set(['auto', 'semi-auto', 'manual', 'file']);

const obj = (v: Json | undefined): JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
const numbers = (v: Json | undefined): number[] =>
  Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];

/** How CVAT turns a Datumaro attribute into its text value (str(), checkboxes lowercased). */
function attributeValue(label: LabelRec, name: string, v: Json): { spec_id: number; value: string } | null {
  const spec = label.attributes.find((a) => a.name === name);
  if (!spec || v === null || typeof v === 'object') return null;
  const value = pyStr(name, v);
  return { spec_id: spec.id, value: spec.input_type === 'checkbox' ? value.toLowerCase() : value };
}

interface TrackShape extends JsonObject {
  frame: number;
  outside: boolean;
  keyframe: boolean;
}

/** Keeps the shapes that start, change or end the track (bindings.py: _validate_track_shapes). */
function trackKeyframes(shapes: TrackShape[], stopFrame: number): TrackShape[] {
  const sorted = [...shapes].sort((a, b) => a.frame - b.frame);
  const out: TrackShape[] = [];
  let prev: TrackShape | undefined;
  for (let shape of sorted) {
    const prevVisible = prev !== undefined && !prev.outside;
    const visible = !shape.outside;
    const gap = prevVisible && prev!.frame + 1 < shape.frame;
    if (gap) {
      prev = { ...prev!, outside: true, keyframe: true, frame: prev!.frame + 1 };
      out.push(prev);
    }
    if (prevVisible !== visible || (visible && (gap || shape.keyframe))) {
      shape = { ...shape, keyframe: true };
      out.push(shape);
    }
    prev = shape;
  }
  if (prev && !prev.outside && prev.frame + 1 <= stopFrame)
    out.push({ ...prev, outside: true, keyframe: true, frame: prev.frame + 1 });
  return out;
}

/**
 * Reads a "Datumaro 1.0" archive into tags, shapes and tracks (CVAT's import_dm_annotations):
 * items match frames by file name, then by `attr.frame`; groups of one are dropped; shapes with
 * `track_id` and `keyframe` attributes become tracks.
 */
export function parseDatumaro(view: TaskView, entries: ZipEntry[], subset?: string): Parsed {
  const files = entries.filter(
    (e) =>
      !e.isDirectory &&
      /(^|\/)annotations\/[^/]+\.json$/.test(e.name) &&
      (subset === undefined || e.name.endsWith(`annotations/${subset}.json`)),
  );
  if (files.length === 0)
    throw new RequestFailure(
      'Check [format docs](https://docs.cvat.ai/docs/manual/advanced/formats/format-datumaro). Dataset must contain a file: annotations/<subset>.json',
    );
  const result: Parsed = { tags: [], shapes: [], tracks: [] };
  const tracks = new Map<string, { head: JsonObject; shapes: TrackShape[]; label: LabelRec }>();
  const top = view.labels.filter((l) => l.parent_id === null);
  const frames = view.task.data?.frames ?? [];
  for (const file of files) {
    let doc: JsonObject;
    try {
      doc = obj(JSON.parse(file.read().toString('utf8')) as Json);
    } catch {
      throw new RequestFailure(`Datumaro: ${file.name} is not valid JSON.`);
    }
    const dmLabels = (
      Array.isArray(obj(obj(doc.categories).label).labels)
        ? (obj(obj(doc.categories).label).labels as Json[])
        : []
    ).map((l) => ({ name: String(obj(l).name ?? ''), parent: String(obj(l).parent ?? '') }));
    const labelAt = (i: Json | undefined): LabelRec => {
      const dm = typeof i === 'number' ? dmLabels[i] : undefined;
      if (!dm) throw new RequestFailure(`Datumaro: undeclared label '${String(i)}'`);
      const parent = dm.parent ? top.find((l) => l.name === dm.parent) : undefined;
      const label = dm.parent
        ? view.labels.find((l) => l.parent_id === parent?.id && l.name === dm.name)
        : top.find((l) => l.name === dm.name);
      if (!label) throw new RequestFailure(`Label '${dm.name}' is not registered for this task`);
      return label;
    };
    for (const rawItem of Array.isArray(doc.items) ? doc.items : []) {
      const item = obj(rawItem);
      const id = String(item.id ?? '');
      const imageExt = /\.[^./]*$/.exec(String(obj(item.image).path ?? ''))?.[0] ?? '';
      let frame = imageExt ? frameIndex(view, id + imageExt) : -1;
      if (frame < 0) frame = frameIndex(view, id);
      if (frame < 0) {
        const byAttr = Number(obj(item.attr).frame);
        frame = Number.isInteger(byAttr) && byAttr >= 0 && byAttr < frames.length ? byAttr : -1;
      }
      if (frame < 0) throw new RequestFailure(`Could not match item id: '${id}' with any task frame`);
      const anns = (Array.isArray(item.annotations) ? item.annotations : []).map(obj);
      // Groups of one are not kept; the others are renumbered from 1 (import_dm_annotations).
      const sizes = new Map<number, number>();
      for (const a of anns)
        if (SHAPES[String(a.type)])
          sizes.set(Number(a.group ?? 0), (sizes.get(Number(a.group ?? 0)) ?? 0) + 1);
      const kept = [...sizes]
        .filter(([g, n]) => g !== 0 && n > 1)
        .map(([g]) => g)
        .sort((a, b) => a - b);
      const groupOf = (a: JsonObject): number => kept.indexOf(Number(a.group ?? 0)) + 1;
      anns.forEach((a, n) => {
        const type = String(a.type);
        const label = labelAt(a.label_id);
        const attributes = { ...obj(a.attributes) };
        const attributesOf = (l: LabelRec, list: JsonObject) =>
          Object.entries(list)
            .map(([k, v]) => attributeValue(l, k, v))
            .filter((x): x is { spec_id: number; value: string } => x !== null);
        if (type === 'label') {
          result.tags.push({
            frame,
            label_id: label.id,
            group: groupOf(a),
            source: 'manual',
            attributes: attributesOf(label, attributes),
          });
          return;
        }
        const shapeType = SHAPES[type];
        if (!shapeType)
          throw new RequestFailure(
            `Image ${id}: can't import annotation #${n} (${type}): not supported by the emulator`,
          );
        const rotation = Number(attributes.rotation ?? 0);
        const truthy = (v: Json | undefined): boolean =>
          v === true || v === 'true' || v === 'True' || v === 1;
        const occluded = truthy(attributes.occluded);
        const outside = truthy(attributes.outside);
        const keyframe = truthy(attributes.keyframe);
        const trackId = attributes.track_id;
        const source = SOURCES.has(String(attributes.source ?? '').toLowerCase())
          ? String(attributes.source).toLowerCase()
          : 'manual';
        for (const k of ['rotation', 'occluded', 'outside', 'track_id', 'source']) delete attributes[k];
        const bbox = numbers(a.bbox);
        const points =
          type === 'bbox'
            ? [bbox[0] ?? 0, bbox[1] ?? 0, (bbox[0] ?? 0) + (bbox[2] ?? 0), (bbox[1] ?? 0) + (bbox[3] ?? 0)]
            : type === 'skeleton'
              ? []
              : numbers(a.points);
        const shape: JsonObject = {
          type: shapeType,
          frame,
          label_id: label.id,
          points,
          occluded,
          outside: false,
          z_order: Number(a.z_order ?? 0),
          rotation: Number.isFinite(rotation) ? rotation : 0,
          group: groupOf(a),
          source,
          attributes: attributesOf(label, attributes),
        };
        if (type === 'skeleton') {
          shape.elements = (Array.isArray(a.elements) ? a.elements : []).map((raw) => {
            const e = obj(raw);
            const sub = labelAt(e.label_id);
            const visibility = numbers(e.visibility)[0] ?? 2;
            return {
              type: 'points',
              frame,
              label_id: sub.id,
              points: numbers(e.points),
              occluded: visibility === 1,
              outside: visibility === 0,
              z_order: Number(a.z_order ?? 0),
              rotation: 0,
              group: groupOf(a),
              source: 'manual',
              attributes: attributesOf(sub, obj(e.attributes)),
            };
          });
        }
        if (trackId === undefined || trackId === null || !('keyframe' in attributes)) {
          result.shapes.push(shape);
          return;
        }
        if (type === 'skeleton')
          throw new RequestFailure(`Image ${id}: skeleton tracks are not supported by the emulator`);
        const key = String(trackId);
        const track = tracks.get(key) ?? {
          head: { label_id: label.id, group: groupOf(a), source },
          shapes: [],
          label,
        };
        tracks.set(key, track);
        track.shapes.push({ ...shape, outside, keyframe } as TrackShape);
      });
    }
  }
  for (const { head, shapes, label } of tracks.values()) {
    const keys = trackKeyframes(shapes, frames.length - 1);
    if (keys.length === 0) continue;
    const mutable = new Set(label.attributes.filter((a) => a.mutable).map((a) => a.id));
    const split = (s: JsonObject, wantMutable: boolean): Json[] =>
      (Array.isArray(s.attributes) ? s.attributes : []).filter(
        (x) => mutable.has(Number(obj(x).spec_id)) === wantMutable,
      );
    result.tracks.push({
      ...head,
      frame: keys[0]!.frame,
      attributes: split(keys[0]!, false),
      shapes: keys.map((s) => trackedShape(s, split(s, true))),
    });
  }
  return result;
}
