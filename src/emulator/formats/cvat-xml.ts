import type { Json, JsonObject, LabelRec } from '../model';
import { RequestFailure } from '../requests';
import type { TaskView } from './coco';
import { frameIndex } from './coco';
import { trackedShape } from './parsed';
import { child, escapeXml, parseXml } from './xml';
import type { XmlNode } from './xml';

const f2 = (n: number): string => n.toFixed(2);
const nums = (v: Json | undefined): number[] =>
  Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
const pairs = (p: number[]): string =>
  p
    .reduce<string[]>(
      (acc, v, i) => (i % 2 ? ((acc[acc.length - 1] += `,${f2(v)}`), acc) : [...acc, f2(v)]),
      [],
    )
    .join(';');

function labelXml(l: LabelRec, all: LabelRec[]): string {
  const attrs = l.attributes
    .map(
      (a) =>
        `<attribute><name>${escapeXml(a.name)}</name><mutable>${a.mutable ? 'True' : 'False'}</mutable><input_type>${a.input_type}</input_type><default_value>${escapeXml(a.default_value)}</default_value><values>${escapeXml(a.values.join('\n'))}</values></attribute>`,
    )
    .join('');
  const parent =
    l.parent_id === null
      ? ''
      : `<parent>${escapeXml(all.find((p) => p.id === l.parent_id)?.name ?? '')}</parent>`;
  return `<label><name>${escapeXml(l.name)}</name><color>${l.color}</color><type>${l.type}</type>${parent}<attributes>${attrs}</attributes></label>`;
}

function attributesXml(view: TaskView, raw: Json | undefined): string {
  const names = new Map(view.labels.flatMap((l) => l.attributes.map((a) => [a.id, a.name] as const)));
  return (Array.isArray(raw) ? raw : [])
    .map((a) => {
      const o = a as JsonObject;
      const name = names.get(Number(o.spec_id));
      return name
        ? `<attribute name="${escapeXml(name)}">${escapeXml(String(o.value ?? ''))}</attribute>`
        : '';
    })
    .join('');
}

function shapeXml(view: TaskView, s: JsonObject, extra = ''): string {
  const label = view.labels.find((l) => l.id === s.label_id);
  if (!label) return '';
  const p = nums(s.points);
  const common = `label="${escapeXml(label.name)}" source="${escapeXml(String(s.source ?? 'manual'))}" occluded="${s.occluded ? 1 : 0}"${extra} z_order="${Number(s.z_order ?? 0)}"${s.group ? ` group_id="${Number(s.group)}"` : ''}`;
  const body = attributesXml(view, s.attributes);
  switch (s.type) {
    case 'rectangle':
      return `<box ${common} xtl="${f2(p[0] ?? 0)}" ytl="${f2(p[1] ?? 0)}" xbr="${f2(p[2] ?? 0)}" ybr="${f2(p[3] ?? 0)}"${Number(s.rotation) ? ` rotation="${f2(Number(s.rotation))}"` : ''}>${body}</box>`;
    case 'polygon':
    case 'polyline':
    case 'points':
      return `<${s.type} ${common} points="${pairs(p)}">${body}</${s.type}>`;
    case 'ellipse':
      return `<ellipse ${common} cx="${f2(p[0] ?? 0)}" cy="${f2(p[1] ?? 0)}" rx="${f2((p[2] ?? 0) - (p[0] ?? 0))}" ry="${f2((p[1] ?? 0) - (p[3] ?? 0))}">${body}</ellipse>`;
    case 'skeleton': {
      const elements = (Array.isArray(s.elements) ? s.elements : []).map((e) => {
        const eo = e as JsonObject;
        const el = view.labels.find((l) => l.id === eo.label_id);
        return el
          ? `<points label="${escapeXml(el.name)}" source="${escapeXml(String(eo.source ?? 'manual'))}" outside="${eo.outside ? 1 : 0}" occluded="${eo.occluded ? 1 : 0}" points="${pairs(nums(eo.points))}">${attributesXml(view, eo.attributes)}</points>`
          : '';
      });
      return `<skeleton label="${escapeXml(label.name)}" source="${escapeXml(String(s.source ?? 'manual'))}" z_order="${Number(s.z_order ?? 0)}">${elements.join('')}${body}</skeleton>`;
    }
    default:
      return '';
  }
}

/** The `<meta>` element of a CVAT XML export of one task (one line). */
export function cvatMetaXml(view: TaskView): string {
  const frames = view.task.data?.frames ?? [];
  return `<meta><task><id>${view.task.id}</id><name>${escapeXml(view.task.name)}</name><size>${frames.length}</size><mode>annotation</mode><overlap>${view.task.overlap ?? 0}</overlap><bugtracker>${escapeXml(view.task.bug_tracker)}</bugtracker><created>${view.task.created_date}</created><updated>${view.task.updated_date}</updated><subset>${escapeXml(view.task.subset || 'default')}</subset><start_frame>0</start_frame><stop_frame>${Math.max(0, frames.length - 1)}</stop_frame><frame_filter></frame_filter><labels>${view.labels.map((l) => labelXml(l, view.labels)).join('')}</labels></task><dumped>${new Date().toISOString()}</dumped></meta>`;
}

/** "CVAT for images 1.1": one <image> per frame with its shapes and tags; tracks become per-frame shapes. */
export function cvatImagesXml(view: TaskView): string {
  const frames = view.task.data?.frames ?? [];
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<annotations>',
    '  <version>1.1</version>',
  ];
  out.push(`  ${cvatMetaXml(view)}`);
  const byFrame = new Map<number, string[]>();
  const add = (frame: number, xml: string): void => {
    if (!xml) return;
    const list = byFrame.get(frame) ?? [];
    list.push(xml);
    byFrame.set(frame, list);
  };
  for (const t of view.tags) {
    const label = view.labels.find((l) => l.id === t.label_id);
    if (label)
      add(
        Number(t.frame),
        `<tag label="${escapeXml(label.name)}" source="${escapeXml(String(t.source ?? 'manual'))}">${attributesXml(view, t.attributes)}</tag>`,
      );
  }
  for (const s of view.shapes) add(Number(s.frame), shapeXml(view, s));
  view.tracks.forEach((t, trackId) => {
    for (const ts of Array.isArray(t.shapes) ? t.shapes : []) {
      const shape = ts as JsonObject;
      if (shape.outside === true) continue;
      add(
        Number(shape.frame),
        shapeXml(
          view,
          {
            ...shape,
            label_id: t.label_id ?? null,
            source: t.source ?? 'manual',
            group: t.group ?? 0,
            attributes: [...((t.attributes as Json[]) ?? []), ...((shape.attributes as Json[]) ?? [])],
          },
          ` track_id="${trackId}" keyframe="1"`,
        ),
      );
    }
  });
  frames.forEach((f, i) => {
    out.push(
      `  <image id="${i}" name="${escapeXml(f.name)}" width="${f.width}" height="${f.height}">${(byFrame.get(i) ?? []).join('')}</image>`,
    );
  });
  out.push('</annotations>', '');
  return out.join('\n');
}

function readAttributes(label: LabelRec, node: XmlNode): JsonObject[] {
  return node.children
    .filter((c) => c.name === 'attribute')
    .map((c) => {
      const spec = label.attributes.find((a) => a.name === c.attrs.name);
      return spec ? { spec_id: spec.id, value: c.text } : null;
    })
    .filter((x): x is { spec_id: number; value: string } => x !== null);
}

function readPoints(node: XmlNode): number[] {
  const a = node.attrs;
  if (node.name === 'box') return [a.xtl, a.ytl, a.xbr, a.ybr].map(Number);
  if (node.name === 'ellipse')
    return [Number(a.cx), Number(a.cy), Number(a.cx) + Number(a.rx), Number(a.cy) - Number(a.ry)];
  return (a.points ?? '')
    .split(';')
    .filter((p) => p !== '')
    .flatMap((p) => p.split(',').map(Number));
}

const SHAPE_OF: Record<string, string> = {
  box: 'rectangle',
  polygon: 'polygon',
  polyline: 'polyline',
  points: 'points',
  ellipse: 'ellipse',
  skeleton: 'skeleton',
};

/** Reads "CVAT 1.1" XML (images or video flavour) into tags, shapes and tracks of the task. */
export function parseCvatXml(
  view: TaskView,
  xml: string,
): { tags: JsonObject[]; shapes: JsonObject[]; tracks: JsonObject[] } {
  const root = child(parseXml(xml), 'annotations');
  if (!root) throw new RequestFailure('CVAT XML: no <annotations> element.');
  const top = new Map(view.labels.filter((l) => l.parent_id === null).map((l) => [l.name, l]));
  const labelOf = (name: string | undefined): LabelRec => {
    const l = name === undefined ? undefined : top.get(name);
    if (!l)
      throw new RequestFailure(`CVAT XML: label "${String(name)}" does not match any label of the task.`);
    return l;
  };
  const shapeFrom = (node: XmlNode, frame: number, label: LabelRec): JsonObject => {
    const a = node.attrs;
    const out: JsonObject = {
      type: SHAPE_OF[node.name] ?? 'rectangle',
      frame,
      label_id: label.id,
      points: readPoints(node),
      occluded: a.occluded === '1',
      outside: a.outside === '1',
      z_order: Number(a.z_order ?? 0),
      rotation: Number(a.rotation ?? 0),
      group: Number(a.group_id ?? 0),
      source: a.source ?? 'file',
      attributes: readAttributes(label, node),
    };
    if (node.name === 'skeleton') {
      out.points = [];
      out.elements = node.children
        .filter((c) => c.name === 'points')
        .map((c) => {
          const sub = view.labels.find((l) => l.parent_id === label.id && l.name === c.attrs.label);
          if (!sub)
            throw new RequestFailure(
              `CVAT XML: skeleton point "${String(c.attrs.label)}" is not a sublabel of "${label.name}".`,
            );
          return {
            type: 'points',
            frame,
            label_id: sub.id,
            points: readPoints(c),
            occluded: c.attrs.occluded === '1',
            outside: c.attrs.outside === '1',
            source: 'file',
            attributes: readAttributes(sub, c),
            group: 0,
            z_order: 0,
            rotation: 0,
          };
        });
    }
    return out;
  };
  const result = { tags: [] as JsonObject[], shapes: [] as JsonObject[], tracks: [] as JsonObject[] };
  for (const node of root.children) {
    if (node.name === 'image') {
      const frame = frameIndex(view, node.attrs.name ?? '');
      if (frame < 0)
        throw new RequestFailure(`CVAT XML: image "${String(node.attrs.name)}" is not in the task.`);
      for (const c of node.children) {
        const label = labelOf(c.attrs.label);
        if (c.name === 'tag')
          result.tags.push({
            frame,
            label_id: label.id,
            group: 0,
            source: c.attrs.source ?? 'file',
            attributes: readAttributes(label, c),
          });
        else if (SHAPE_OF[c.name]) result.shapes.push(shapeFrom(c, frame, label));
      }
    } else if (node.name === 'track') {
      const label = labelOf(node.attrs.label);
      const shapes = node.children
        .filter((c) => SHAPE_OF[c.name])
        .map((c) => shapeFrom(c, Number(c.attrs.frame), label));
      if (!shapes.length) continue;
      result.tracks.push({
        frame: Math.min(...shapes.map((s) => Number(s.frame))),
        label_id: label.id,
        group: Number(node.attrs.group_id ?? 0),
        source: node.attrs.source ?? 'file',
        attributes: [],
        shapes: shapes.map((s) => trackedShape(s, s.attributes ?? [])),
      });
    }
  }
  return result;
}
