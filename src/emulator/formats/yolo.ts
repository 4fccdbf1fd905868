import type { JsonObject } from '../model';
import { RequestFailure } from '../requests';
import type { ZipEntry, ZipSource } from '../data/zip';
import type { TaskView } from './coco';
import { frameIndex } from './coco';
import { datasetItems, isImage, labelIndex } from './items';
import type { DatasetImage } from './items';
import type { Parsed } from './parsed';

/**
 * "YOLO 1.1" (Darknet), as CVAT writes it through Datumaro's YoloConverter:
 * obj.data, obj.names, <subset>.txt listing `data/obj_<subset>_data/<image>`, and one
 * `obj_<subset>_data/<item id>.txt` per frame with `label cx cy w h` (relative, %.6f) per
 * unrotated box. The subset `default` is written as `train`.
 */
export function yoloEntries(views: TaskView[], saveImages: boolean): ZipSource[] {
  const entries: ZipSource[] = [];
  const lists = new Map<string, string[]>();
  const labels = views[0]?.labels ?? [];
  for (const item of datasetItems(views)) {
    const subset = item.subset === 'default' ? 'train' : item.subset;
    const dir = `obj_${subset}_data`;
    const index = labelIndex(item.view);
    const lines = item.shapes
      .filter((s) => s.type === 'rectangle' && s.points.length === 4 && Math.abs(s.rotation % 360) <= 0.00001)
      .map((s) => {
        const [x1, y1, x2, y2] = s.points as [number, number, number, number];
        const box = [
          (x1 + x2) / 2 / item.width,
          (y1 + y2) / 2 / item.height,
          (x2 - x1) / item.width,
          (y2 - y1) / item.height,
        ];
        return `${index.get(s.label.id)} ${box.map((v) => v.toFixed(6)).join(' ')}\n`;
      });
    entries.push({ name: `${dir}/${item.id}.txt`, data: Buffer.from(lines.join('')) });
    if (saveImages) entries.push({ name: `${dir}/${item.id}${item.ext}`, path: item.path });
    lists.set(subset, [...(lists.get(subset) ?? []), `data/${dir}/${item.id}${item.ext}`]);
  }
  const data = [`classes = ${labels.length}`];
  for (const [subset, paths] of lists) {
    entries.push({ name: `${subset}.txt`, data: Buffer.from(paths.map((p) => `${p}\n`).join('')) });
    data.push(`${subset} = data/${subset}.txt`);
  }
  data.push('names = data/obj.names', 'backup = backup/');
  entries.push({ name: 'obj.names', data: Buffer.from(labels.map((l) => `${l.name}\n`).join('')) });
  entries.push({ name: 'obj.data', data: Buffer.from(data.map((l) => `${l}\n`).join('')) });
  return entries;
}

/** The images of a YOLO archive by subset: obj_<subset>_data/<name>. */
export function yoloMedia(entries: ZipEntry[]): Map<string, DatasetImage[]> {
  const out = new Map<string, DatasetImage[]>();
  for (const entry of entries) {
    const m = /^obj_(.+?)_data\/(.+)$/.exec(entry.name);
    if (!m || entry.isDirectory || !isImage(entry.name)) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), { name: m[2]!, entry }]);
  }
  return out;
}

const RESERVED = new Set(['classes', 'names', 'backup']);

/** `data/x` → `x` (YoloExtractor.localize_path). */
const localize = (p: string): string => {
  const clean = p.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  return clean.startsWith('data/') ? clean.slice(5) : clean;
};

/**
 * Reads a "YOLO 1.1" archive into rectangles (YoloExtractor + CVAT's import_dm_annotations):
 * obj.data names the label list and the subset lists; each listed image's `.txt` holds
 * `label cx cy w h` lines; a line that is not five fields or names no declared label fails.
 */
export function parseYolo(view: TaskView, entries: ZipEntry[], only?: string): Parsed {
  const files = new Map(entries.filter((e) => !e.isDirectory).map((e) => [e.name, e]));
  const config = [...files.keys()].find((n) => n === 'obj.data' || n.endsWith('/obj.data'));
  if (!config)
    throw new RequestFailure(
      'Check [format docs](https://docs.cvat.ai/docs/manual/advanced/formats/format-yolo). Dataset must contain a file: obj.data',
    );
  const root = config.slice(0, config.length - 'obj.data'.length);
  const read = (name: string): string | undefined =>
    files
      .get(root + localize(name))
      ?.read()
      .toString('utf8');
  const settings = new Map<string, string>();
  for (const line of read('obj.data')!.split(/\r?\n/)) {
    const m = /^\s*(\w+)\s*=\s*(.+)$/.exec(line);
    if (m) settings.set(m[1]!, m[2]!.trim());
  }
  const namesPath = settings.get('names');
  const names = namesPath === undefined ? undefined : read(namesPath);
  if (names === undefined) throw new RequestFailure('YOLO: failed to parse names file path from config');
  const classes = names
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const byName = new Map(view.labels.filter((l) => l.parent_id === null).map((l) => [l.name, l]));
  const shapes: JsonObject[] = [];
  for (const [subset, listPath] of settings) {
    if (RESERVED.has(subset) || (only !== undefined && subset !== only)) continue;
    const list = read(listPath);
    if (list === undefined) throw new RequestFailure(`YOLO: can't find '${subset}' subset list file`);
    for (const imagePath of list.split(/\r?\n/).filter((l) => l.trim() !== '')) {
      const image = localize(imagePath);
      // The item id drops the subset folder and the extension (YoloExtractor.name_from_path).
      const id =
        image
          .split('/')
          .slice(1)
          .join('/')
          .replace(/\.[^./]*$/, '') || image;
      const labelsFile = read(image.replace(/\.[^./]*$/, '') + '.txt');
      if (labelsFile === undefined)
        throw new RequestFailure(`YOLO: can't find the annotation file of '${image}'`);
      const lines = labelsFile
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '');
      if (lines.length === 0) continue;
      const frame = frameIndex(view, id);
      if (frame < 0) throw new RequestFailure(`Could not match item id: '${id}' with any task frame`);
      const info = view.task.data!.frames[frame]!;
      for (const line of lines) {
        const parts = line.split(/\s+/);
        if (parts.length !== 5)
          throw new RequestFailure(
            `YOLO: unexpected field count ${parts.length} in the bbox description. Expected 5 fields (label, xc, yc, w, h).`,
          );
        const [rawLabel, ...rest] = parts as [string, string, string, string, string];
        const classId = Number(rawLabel);
        const name = Number.isInteger(classId) ? classes[classId] : undefined;
        if (name === undefined) throw new RequestFailure(`YOLO: undeclared label '${rawLabel}'`);
        const label = byName.get(name);
        if (!label) throw new RequestFailure(`Label '${name}' is not registered for this task`);
        const [xc, yc, w, h] = rest.map(Number) as [number, number, number, number];
        if (![xc, yc, w, h].every(Number.isFinite))
          throw new RequestFailure(`YOLO: can't parse the bbox of '${line}'`);
        const x = (xc - w / 2) * info.width;
        const y = (yc - h / 2) * info.height;
        shapes.push({
          type: 'rectangle',
          frame,
          label_id: label.id,
          points: [x, y, x + w * info.width, y + h * info.height],
          occluded: false,
          outside: false,
          z_order: 0,
          rotation: 0,
          group: 0,
          source: 'manual',
          attributes: [],
        });
      }
    }
  }
  return { tags: [], shapes, tracks: [] };
}
