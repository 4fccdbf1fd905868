import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ctx } from '../context';
import type { JobRec, JsonObject, TaskRec } from '../model';
import { RequestFailure } from '../requests';
import { taskLabels } from '../resources/labels';
import { jobFrames } from '../data/frames';
import type { ZipEntry, ZipSource } from '../data/zip';
import { isZip, readZip, zipToFile } from '../data/zip';
import { cocoDocument, parseCoco } from './coco';
import type { TaskView } from './coco';
import { cvatVideoXml } from './cvat-video';
import { cvatImagesXml, parseCvatXml } from './cvat-xml';
import { datumaroEntries, datumaroMedia, parseDatumaro } from './datumaro';
import type { DatasetImage } from './items';
import type { Parsed } from './parsed';
import { parseVoc, vocEntries, vocMedia } from './voc';
import { parseYolo, yoloEntries, yoloMedia } from './yolo';

/** The Datumaro-based formats: archives only, written and read whole. */
const ARCHIVE_FORMATS: Record<
  string,
  {
    write: (views: TaskView[], saveImages: boolean) => ZipSource[];
    read: (view: TaskView, entries: ZipEntry[], subset?: string) => Parsed;
    media: (entries: ZipEntry[]) => Map<string, DatasetImage[]>;
  }
> = {
  'Datumaro 1.0': { write: datumaroEntries, read: parseDatumaro, media: datumaroMedia },
  'PASCAL VOC 1.1': { write: vocEntries, read: parseVoc, media: vocMedia },
  'YOLO 1.1': { write: yoloEntries, read: parseYolo, media: yoloMedia },
};

/** Whether CVAT reads this format's archives through Datumaro (YOLO, VOC, Datumaro). */
export function isArchiveFormat(format: string): boolean {
  return ARCHIVE_FORMATS[format] !== undefined;
}

/**
 * The images of a project dataset by subset, for the formats whose archives CVAT reads through
 * Datumaro (each has its own layout); undefined for the others.
 */
export function archiveMedia(format: string, entries: ZipEntry[]): Map<string, DatasetImage[]> | undefined {
  return ARCHIVE_FORMATS[format]?.media(entries);
}

export function taskView(ctx: Ctx, task: TaskRec, job?: JobRec): TaskView {
  const a = ctx.emu.state.annotationsOf(task.id);
  const frames = job ? new Set(jobFrames(job)) : null;
  const keep = (o: JsonObject): boolean => !frames || frames.has(Number(o.frame));
  return {
    task,
    labels: taskLabels(ctx, task.id, true),
    shapes: a.shapes.filter(keep),
    tags: a.tags.filter(keep),
    tracks: a.tracks.filter(keep),
  };
}

/** Writes a dataset archive of one or more tasks in the given format. */
export async function writeDataset(
  target: string,
  format: string,
  views: TaskView[],
  saveImages: boolean,
): Promise<void> {
  const archive = ARCHIVE_FORMATS[format];
  if (archive) return zipToFile(target, archive.write(views, saveImages));
  const entries: ZipSource[] = [];
  if (format === 'CVAT for video 1.1') {
    entries.push({ name: 'annotations.xml', data: Buffer.from(cvatVideoXml(views)) });
  } else if (format === 'COCO 1.0') {
    const docs = views.map(cocoDocument);
    const merged = docs.length === 1 ? docs[0]! : mergeCoco(docs);
    entries.push({ name: 'annotations/instances_default.json', data: Buffer.from(JSON.stringify(merged)) });
  } else {
    const xml = views.length === 1 ? cvatImagesXml(views[0]!) : mergeXml(views.map(cvatImagesXml));
    entries.push({ name: 'annotations.xml', data: Buffer.from(xml) });
  }
  if (saveImages) {
    const seen = new Set<string>();
    for (const v of views) {
      for (const f of v.task.data?.frames ?? []) {
        const name = join('images', format === 'COCO 1.0' ? '' : 'default', f.name);
        if (seen.has(name)) continue;
        seen.add(name);
        entries.push({ name, path: f.path });
      }
    }
  }
  await zipToFile(target, entries);
}

function mergeCoco(docs: JsonObject[]): JsonObject {
  const categories: JsonObject[] = [];
  const images: JsonObject[] = [];
  const annotations: JsonObject[] = [];
  for (const d of docs) {
    const catMap = new Map<number, number>();
    for (const c of d.categories as JsonObject[]) {
      let existing = categories.find((x) => x.name === c.name);
      if (!existing) {
        existing = { ...c, id: categories.length + 1 };
        categories.push(existing);
      }
      catMap.set(Number(c.id), Number(existing.id));
    }
    const imgMap = new Map<number, number>();
    for (const im of d.images as JsonObject[]) {
      imgMap.set(Number(im.id), images.length + 1);
      images.push({ ...im, id: images.length + 1 });
    }
    for (const a of d.annotations as JsonObject[]) {
      annotations.push({
        ...a,
        id: annotations.length + 1,
        image_id: imgMap.get(Number(a.image_id)) ?? 0,
        category_id: catMap.get(Number(a.category_id)) ?? 0,
      });
    }
  }
  return { ...docs[0], categories, images, annotations };
}

function mergeXml(docs: string[]): string {
  let id = 0;
  const images = docs.flatMap((d) =>
    d
      .split('\n')
      .filter((l) => l.trimStart().startsWith('<image '))
      .map((l) => l.replace(/<image id="\d+"/, () => `<image id="${id++}"`)),
  );
  // A project without any task with data still exports a (empty) document.
  const head = (docs[0] ?? '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('<image ') && l !== '</annotations>' && l !== '');
  return [...head, ...images, '</annotations>', ''].join('\n');
}

/**
 * Reads an annotation file (or an archive containing one) in the given format; `subset` keeps
 * only that subset of a Datumaro-based archive (the task a project dataset import made of it).
 */
export async function readAnnotations(
  view: TaskView,
  format: string,
  path: string,
  subset?: string,
): Promise<Parsed> {
  const buf = await readFile(path);
  const archive = ARCHIVE_FORMATS[format];
  if (archive) {
    if (!isZip(buf.subarray(0, 4)))
      throw new RequestFailure(`${format}: the dataset file must be a zip archive.`);
    return archive.read(view, readZip(buf), subset);
  }
  const coco = format === 'COCO 1.0';
  let text: string;
  if (isZip(buf.subarray(0, 4))) {
    const entries = readZip(buf);
    const entry = coco
      ? (entries.find((e) => /(^|\/)annotations\/[^/]+\.json$/.test(e.name)) ??
        entries.find((e) => e.name.endsWith('.json')))
      : entries.find((e) => e.name.endsWith('.xml'));
    if (!entry)
      throw new RequestFailure(
        `Dataset file could not be found: the archive has no ${coco ? 'COCO JSON' : 'CVAT XML'} annotation file.`,
      );
    text = entry.read().toString('utf8');
  } else {
    text = buf.toString('utf8');
  }
  if (coco) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RequestFailure('COCO: the annotation file is not valid JSON.');
    }
    return { tags: [], shapes: parseCoco(view, doc), tracks: [] };
  }
  return parseCvatXml(view, text);
}
