import type { Json, JsonObject } from '../model';
import type { TaskView } from './coco';
import { cvatMetaXml } from './cvat-xml';
import { interpolateTrack } from './tracks';
import type { TrackFrame } from './tracks';
import { escapeXml } from './xml';

const f2 = (n: number): string => n.toFixed(2);
const pairs = (p: number[]): string =>
  Array.from({ length: Math.floor(p.length / 2) }, (_, i) => `${f2(p[2 * i]!)},${f2(p[2 * i + 1]!)}`).join(
    ';',
  );
const ELEMENT: Record<string, string> = {
  rectangle: 'box',
  ellipse: 'ellipse',
  polygon: 'polygon',
  polyline: 'polyline',
  points: 'points',
};

/** One `<box frame=…>` (or polygon, …) of a track, as cvat.py's dump_as_cvat_interpolation writes it. */
function shapeXml(view: TaskView, s: TrackFrame): string[] {
  const tag = ELEMENT[s.type];
  if (!tag) return [];
  const p = s.points;
  const geometry =
    s.type === 'rectangle'
      ? `xtl="${f2(p[0] ?? 0)}" ytl="${f2(p[1] ?? 0)}" xbr="${f2(p[2] ?? 0)}" ybr="${f2(p[3] ?? 0)}"${s.rotation ? ` rotation="${f2(s.rotation)}"` : ''}`
      : s.type === 'ellipse'
        ? `cx="${f2(p[0] ?? 0)}" cy="${f2(p[1] ?? 0)}" rx="${f2((p[2] ?? 0) - (p[0] ?? 0))}" ry="${f2((p[1] ?? 0) - (p[3] ?? 0))}"${s.rotation ? ` rotation="${f2(s.rotation)}"` : ''}`
        : `points="${pairs(p)}"`;
  const names = new Map(view.labels.flatMap((l) => l.attributes.map((a) => [a.id, a.name] as const)));
  const attributes = s.attributes.flatMap((a) => {
    const o = a as JsonObject;
    const name = names.get(Number(o.spec_id));
    return name === undefined
      ? []
      : [`      <attribute name="${escapeXml(name)}">${escapeXml(String(o.value ?? ''))}</attribute>`];
  });
  return [
    `    <${tag} frame="${s.frame}" keyframe="${s.keyframe ? 1 : 0}" outside="${s.outside ? 1 : 0}" occluded="${s.occluded ? 1 : 0}" ${geometry} z_order="${s.z_order}">`,
    ...attributes,
    `    </${tag}>`,
  ];
}

/**
 * "CVAT for video 1.1" (export only; it is imported as "CVAT 1.1"): every track with each frame it
 * covers (keyframes, interpolated frames, outside keyframes), then every shape as a track of its
 * own (its frame, plus an outside frame after it unless that would reach the last frame). Tags
 * are not part of this format. Skeletons, masks and cuboids are not written by the emulator.
 */
export function cvatVideoXml(views: TaskView[]): string {
  const out = ['<?xml version="1.0" encoding="utf-8"?>', '<annotations>', '  <version>1.1</version>'];
  if (views[0]) out.push(`  ${cvatMetaXml(views[0])}`);
  let id = 0;
  for (const view of views) id = tracksXml(view, views.length > 1, id, out);
  out.push('</annotations>', '');
  return out.join('\n');
}

/** Appends the tracks of one task, numbered from `id`; returns the next id. */
function tracksXml(view: TaskView, inProject: boolean, id: number, out: string[]): number {
  const frames = view.task.data?.frames ?? [];
  const last = Math.max(0, frames.length - 1);
  const deleted = new Set(view.task.data?.deleted_frames ?? []);
  // In a project export each track names its task and subset.
  const where = inProject
    ? ` task_id="${view.task.id}" subset="${escapeXml(view.task.subset || 'default')}"`
    : '';
  const track = (t: JsonObject, shapes: TrackFrame[]): void => {
    const label = view.labels.find((l) => l.id === Number(t.label_id));
    const body = shapes.filter((s) => !deleted.has(s.frame)).flatMap((s) => shapeXml(view, s));
    if (!label || body.length === 0) return;
    const group = Number(t.group ?? 0);
    out.push(
      `  <track id="${id++}" label="${escapeXml(label.name)}" source="${escapeXml(String(t.source ?? 'manual'))}"${where}${group ? ` group_id="${group}"` : ''}>`,
      ...body,
      '  </track>',
    );
  };
  for (const t of view.tracks) track(t, interpolateTrack(t, last));
  for (const s of view.shapes) {
    const key: TrackFrame = {
      frame: Number(s.frame),
      keyframe: true,
      outside: false,
      type: String(s.type),
      points: Array.isArray(s.points) ? s.points.filter((x): x is number => typeof x === 'number') : [],
      occluded: s.occluded === true,
      z_order: Number(s.z_order ?? 0),
      rotation: Number(s.rotation ?? 0),
      attributes: Array.isArray(s.attributes) ? (s.attributes as Json[]) : [],
    };
    const shapes = [key];
    if (key.frame + 1 < last) shapes.push({ ...key, frame: key.frame + 1, outside: true });
    track(s, shapes);
  }
  return id;
}
