import type { JsonObject, LabelRec } from '../model';
import { RequestFailure } from '../requests';
import type { ZipEntry, ZipSource } from '../data/zip';
import type { TaskView } from './coco';
import { frameIndex } from './coco';
import { datasetItems, isImage, pyFloat, pyStr, withoutExt } from './items';
import type { DatasetImage, DmItem } from './items';
import type { Parsed } from './parsed';
import { child, escapeXml, parseXml } from './xml';
import type { XmlNode } from './xml';

/** The standard VOC palette: bits of the index spread over the high bits of r, g and b. */
function vocColor(index: number): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  for (let shift = 7, i = index; i > 0; shift--, i >>= 3) {
    for (let ch = 0; ch < 3; ch++) c[ch]! |= ((i >> ch) & 1) << shift;
  }
  return c;
}

/** The label map CVAT exports (label_map='source'): `background` first, then the task's labels. */
function labelMap(labels: LabelRec[]): string[] {
  const names = labels.filter((l) => l.parent_id === null).map((l) => l.name);
  return names.includes('background') ? names : ['background', ...names];
}

const BUILTIN = new Set(['difficult', 'pose', 'truncated', 'occluded']);

function annotationXml(item: DmItem): string {
  const folder = item.id.includes('_') ? item.id.slice(0, item.id.indexOf('_')) : '';
  const out = [
    '<annotation>',
    `  <folder>${escapeXml(folder)}</folder>`,
    `  <filename>${escapeXml(item.id + item.ext)}</filename>`,
    '  <source>',
    '    <database>Unknown</database>',
    '    <annotation>Unknown</annotation>',
    '    <image>Unknown</image>',
    '  </source>',
    '  <size>',
    `    <width>${item.width}</width>`,
    `    <height>${item.height}</height>`,
    '    <depth></depth>',
    '  </size>',
    '  <segmented>0</segmented>',
  ];
  for (const box of item.shapes.filter((s) => s.type === 'rectangle')) {
    const attrs = new Map(box.attributes);
    // Datumaro writes `"%d" % int(value)`, and 0 when the value is not a number.
    const flag = (name: string): number => {
      const v = attrs.get(name);
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') return Math.trunc(v);
      return typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? parseInt(v, 10) : 0;
    };
    const [x1, y1, x2, y2] = box.points as [number, number, number, number];
    out.push('  <object>', `    <name>${escapeXml(box.label.name)}</name>`);
    if (attrs.has('pose')) out.push(`    <pose>${escapeXml(pyStr('pose', attrs.get('pose')!))}</pose>`);
    out.push(
      `    <truncated>${flag('truncated')}</truncated>`,
      `    <occluded>${flag('occluded')}</occluded>`,
      `    <difficult>${flag('difficult')}</difficult>`,
      '    <bndbox>',
      `      <xmin>${pyFloat(x1)}</xmin>`,
      `      <ymin>${pyFloat(y1)}</ymin>`,
      `      <xmax>${pyFloat(x1 + (x2 - x1))}</xmax>`,
      `      <ymax>${pyFloat(y1 + (y2 - y1))}</ymax>`,
      '    </bndbox>',
    );
    const extra = box.attributes.filter(([name]) => !BUILTIN.has(name));
    if (extra.length) {
      out.push('    <attributes>');
      for (const [name, value] of extra) {
        out.push(
          '      <attribute>',
          `        <name>${escapeXml(name)}</name>`,
          `        <value>${escapeXml(pyStr(name, value))}</value>`,
          '      </attribute>',
        );
      }
      out.push('    </attributes>');
    }
    out.push('  </object>');
  }
  out.push('</annotation>', '');
  return out.join('\n');
}

/**
 * "PASCAL VOC 1.1", as CVAT writes it through Datumaro's VocConverter: Annotations/<id>.xml per
 * frame (boxes as objects), ImageSets/Main/<subset>.txt listing every frame, ImageSets/Main/
 * <label>_<subset>.txt (` 1`/`-1`) when there are tags, the Action, Layout and Segmentation
 * lists naming the frames without annotations, labelmap.txt, and JPEGImages/ with the images.
 */
export function vocEntries(views: TaskView[], saveImages: boolean): ZipSource[] {
  const entries: ZipSource[] = [];
  const labels = labelMap(views[0]?.labels ?? []);
  const bySubset = new Map<string, DmItem[]>();
  for (const item of datasetItems(views)) {
    bySubset.set(item.subset, [...(bySubset.get(item.subset) ?? []), item]);
    entries.push({ name: `Annotations/${item.id}.xml`, data: Buffer.from(annotationXml(item)) });
    if (saveImages) entries.push({ name: `JPEGImages/${item.id}${item.ext}`, path: item.path });
  }
  const list = (name: string, lines: string[]): void => {
    if (lines.length) entries.push({ name, data: Buffer.from(lines.map((l) => `${l}\n`).join('')) });
  };
  for (const [subset, items] of bySubset) {
    list(
      `ImageSets/Main/${subset}.txt`,
      items.map((i) => i.id),
    );
    const tagged = items.filter((i) => i.tags.length > 0);
    if (tagged.length) {
      for (const label of labels) {
        list(
          `ImageSets/Main/${label}_${subset}.txt`,
          tagged.map((i) => `${i.id} ${i.tags.some((t) => t.label.name === label) ? ' 1' : '-1'}`),
        );
      }
    }
    const empty = items.filter((i) => i.tags.length === 0 && i.shapes.length === 0).map((i) => i.id);
    list(`ImageSets/Action/${subset}.txt`, empty);
    list(`ImageSets/Layout/${subset}.txt`, empty);
    list(`ImageSets/Segmentation/${subset}.txt`, empty);
  }
  const map = labels.map((name, i) => `${name}:${vocColor(i).join(',')}::`);
  entries.push({
    name: 'labelmap.txt',
    data: Buffer.from(['# label:color_rgb:parts:actions', ...map].map((l) => `${l}\n`).join('')),
  });
  return entries;
}

/** The images of a VOC archive by subset: JPEGImages/<id>.<ext> of the ids each ImageSets/Main list names. */
export function vocMedia(entries: ZipEntry[]): Map<string, DatasetImage[]> {
  const images = entries.filter((e) => !e.isDirectory && e.name.startsWith('JPEGImages/') && isImage(e.name));
  const out = new Map<string, DatasetImage[]>();
  for (const list of entries) {
    const m = /^ImageSets\/Main\/([^/_]+)\.txt$/.exec(list.name);
    if (!m) continue;
    const ids = new Set(
      list
        .read()
        .toString('utf8')
        .split(/\r?\n/)
        .map((l) => l.trim().split(/\s+/)[0])
        .filter((id): id is string => !!id),
    );
    const mine = images
      .map((entry) => ({ name: entry.name.slice('JPEGImages/'.length), entry }))
      .filter((i) => ids.has(withoutExt(i.name)));
    if (mine.length) out.set(m[1]!, mine);
  }
  return out;
}

const text = (n: XmlNode | undefined): string => (n?.text ?? '').trim();

function vocObject(view: TaskView, frame: number, node: XmlNode, declared: Set<string>): JsonObject {
  const name = text(child(node, 'name'));
  if (!declared.has(name)) throw new RequestFailure(`VOC: undeclared label '${name}'`);
  const label = view.labels.find((l) => l.parent_id === null && l.name === name);
  if (!label) throw new RequestFailure(`Label '${name}' is not registered for this task`);
  const box = child(node, 'bndbox');
  const coord = (k: string): number => {
    const v = Number(text(box ? child(box, k) : undefined));
    if (!box || !Number.isFinite(v)) throw new RequestFailure(`VOC: object '${name}' has no valid bndbox`);
    return v;
  };
  const custom = new Map<string, string>();
  for (const a of child(node, 'attributes')?.children.filter((c) => c.name === 'attribute') ?? []) {
    custom.set(text(child(a, 'name')), text(child(a, 'value')));
  }
  for (const builtin of ['truncated', 'difficult', 'pose']) {
    const n = child(node, builtin);
    if (n) custom.set(builtin, text(n));
  }
  const attributes = label.attributes
    .filter((spec) => custom.has(spec.name))
    .map((spec) => ({ spec_id: spec.id, value: custom.get(spec.name)! }));
  const rotation = Number(custom.get('rotation') ?? 0);
  return {
    type: 'rectangle',
    frame,
    label_id: label.id,
    points: [coord('xmin'), coord('ymin'), coord('xmax'), coord('ymax')],
    occluded: text(child(node, 'occluded')) === '1',
    outside: false,
    z_order: 0,
    rotation: Number.isFinite(rotation) ? rotation : 0,
    group: 0,
    source: 'manual',
    attributes,
  };
}

/**
 * Reads a "PASCAL VOC 1.1" archive (Datumaro's VOC extractor + CVAT's importer): the frames are
 * those of ImageSets/Main/<subset>.txt (a flat archive of XML files counts as one subset), boxes
 * come from Annotations/<id>.xml, tags from ImageSets/Main/<label>_<subset>.txt lines marked 1.
 * Labels come from labelmap.txt, or the task's labels when the archive has none.
 */
export function parseVoc(view: TaskView, entries: ZipEntry[], only?: string): Parsed {
  const files = new Map(entries.filter((e) => !e.isDirectory).map((e) => [e.name, e]));
  const read = (name: string): string | undefined => files.get(name)?.read().toString('utf8');
  const labelmap = read('labelmap.txt');
  const declared = new Set(
    labelmap === undefined
      ? view.labels.map((l) => l.name)
      : labelmap
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '' && !l.startsWith('#'))
          .map((l) => l.split(':')[0]!),
  );
  const flat = ![...files.keys()].some((n) => n.startsWith('Annotations/'));
  const ids = new Map<string, string>(); // item id -> annotation file
  const classLists: Array<[string, string]> = []; // [label, list file]
  if (flat) {
    for (const n of files.keys())
      if (n.endsWith('.xml')) ids.set(n.replace(/^.*\//, '').replace(/\.xml$/, ''), n);
  } else {
    const lists = [...files.keys()].filter((n) => /^ImageSets\/Main\/[^/]+\.txt$/.test(n));
    const subsets = lists.filter(
      (n) =>
        !n.slice('ImageSets/Main/'.length).includes('_') &&
        (only === undefined || n === `ImageSets/Main/${only}.txt`),
    );
    if (subsets.length === 0)
      throw new RequestFailure(
        'Check [format docs](https://docs.cvat.ai/docs/manual/advanced/formats/format-voc). Dataset must contain a file: ImageSets/Main/<subset>.txt',
      );
    for (const s of subsets) {
      for (const line of read(s)!.split(/\r?\n/)) {
        const id = line.trim().split(/\s+/)[0];
        if (id) ids.set(id, `Annotations/${id}.xml`);
      }
    }
    for (const n of lists) {
      const base = n.slice('ImageSets/Main/'.length, -'.txt'.length);
      const cut = base.lastIndexOf('_');
      if (cut > 0 && (only === undefined || base.slice(cut + 1) === only))
        classLists.push([base.slice(0, cut), n]);
    }
  }
  const result: Parsed = { tags: [], shapes: [], tracks: [] };
  const frameOf = (id: string): number => {
    const frame = frameIndex(view, id);
    if (frame < 0) throw new RequestFailure(`Could not match item id: '${id}' with any task frame`);
    return frame;
  };
  for (const [id, file] of ids) {
    const xml = read(file);
    if (xml === undefined) continue;
    const root = child(parseXml(xml), 'annotation');
    const objects = root?.children.filter((c) => c.name === 'object') ?? [];
    if (objects.length === 0) continue;
    const frame = frameOf(id);
    for (const o of objects) result.shapes.push(vocObject(view, frame, o, declared));
  }
  for (const [labelName, file] of classLists) {
    if (labelName === 'background' || !declared.has(labelName)) continue;
    const label = view.labels.find((l) => l.parent_id === null && l.name === labelName);
    if (!label) throw new RequestFailure(`Label '${labelName}' is not registered for this task`);
    for (const line of read(file)!.split(/\r?\n/)) {
      const [id, flag] = line.trim().split(/\s+/);
      if (!id || flag !== '1' || !ids.has(id)) continue;
      result.tags.push({
        frame: frameOf(id),
        label_id: label.id,
        group: 0,
        source: 'manual',
        attributes: [],
      });
    }
  }
  return result;
}
