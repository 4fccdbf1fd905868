import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Ctx } from '../context';
import { badRequest, notImplemented } from '../errors';
import type { FrameRec, Json, JsonObject, RequestRec, TaskRec } from '../model';
import { now } from '../model';
import { enqueue, RequestFailure, rqId } from '../requests';
import type { Progress } from '../requests';
import { createSegments, makeJob } from '../resources/jobs';
import type { UploadedFile } from './uploads';
import { probeFile } from './media';
import { checkRelativeName, resolveExistingUnder, resolveUnder, UnsafePathError } from '../safe-path';
import { isZip, readZip } from './zip';

export interface DataParams {
  image_quality: number;
  chunk_size: number | null;
  start_frame: number;
  stop_frame: number | null;
  frame_step: number;
  sorting_method: string;
  upload_file_order: string[];
  server_files: string[];
  job_file_mapping: string[][] | null;
  validation: JsonObject | null;
}

const int = (v: Json | undefined, field: string): number | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest({ [field]: 'A valid integer is required.' });
  return n;
};

const strings = (v: Json | undefined): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

function jsonField(v: Json | undefined): Json | undefined {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as Json;
  } catch {
    return v;
  }
}

/** Validates DataRequest fields (from JSON, a form, or the query). */
export function dataParams(p: JsonObject): DataParams {
  if (strings(p.remote_files).length)
    throw notImplemented('remote_files (the emulator cannot download from the internet)');
  if (p.cloud_storage_id !== undefined && p.cloud_storage_id !== null && p.cloud_storage_id !== '')
    throw notImplemented('cloud storages');
  const quality = int(p.image_quality, 'image_quality') ?? 70;
  if (quality < 1 || quality > 100)
    throw badRequest({ image_quality: 'Ensure this value is between 1 and 100.' });
  const filter = typeof p.frame_filter === 'string' ? p.frame_filter : '';
  const step = /^step=(\d+)$/.exec(filter)?.[1];
  if (filter !== '' && !step) throw badRequest({ frame_filter: 'Invalid frame filter expression.' });
  const sorting = typeof p.sorting_method === 'string' ? p.sorting_method : 'lexicographical';
  if (!['lexicographical', 'natural', 'predefined', 'random'].includes(sorting))
    throw badRequest({ sorting_method: `"${sorting}" is not a valid choice.` });
  const mapping = jsonField(p.job_file_mapping);
  const validation = jsonField(p.validation_params);
  return {
    image_quality: quality,
    chunk_size: int(p.chunk_size, 'chunk_size') ?? null,
    start_frame: int(p.start_frame, 'start_frame') ?? 0,
    stop_frame: int(p.stop_frame, 'stop_frame') ?? null,
    frame_step: step ? Number(step) : 1,
    sorting_method: sorting,
    upload_file_order: strings(jsonField(p.upload_file_order)),
    server_files: strings(p.server_files),
    job_file_mapping: Array.isArray(mapping) ? mapping.map((m) => strings(m)) : null,
    validation:
      typeof validation === 'object' && validation !== null && !Array.isArray(validation) ? validation : null,
  };
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
}

/** The files of a share entry (a file or a folder, walked in name order), every path checked. */
function listShare(root: string, entry: string): UploadedFile[] {
  let abs: string;
  try {
    abs = resolveExistingUnder(root, entry, { leadingSlash: true, trailingSlash: true });
  } catch (e) {
    if (e instanceof UnsafePathError)
      throw badRequest({ server_files: `File ${entry} is outside of the share.` });
    throw e;
  }
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw badRequest({ server_files: `File or directory ${entry} does not exist in the share.` });
  }
  const name = relative(root, abs).split(sep).join('/');
  if (!st.isDirectory()) return [{ name, path: abs }];
  return readdirSync(abs)
    .sort()
    .flatMap((child) => listShare(root, name === '' ? child : `${name}/${child}`));
}

async function head(path: string): Promise<Buffer> {
  const h = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await h.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

/**
 * Images inside uploaded zip archives are extracted next to them, in the archive's order. Every
 * entry name is checked before anything is written, and the checked name is the frame name (so a
 * backup of the task cannot carry a hostile name either).
 */
async function expandArchives(files: UploadedFile[], dir: string): Promise<UploadedFile[]> {
  const out: UploadedFile[] = [];
  for (const f of files) {
    if (!isZip(await head(f.path))) {
      out.push(f);
      continue;
    }
    const entries = readZip(await readFile(f.path));
    const wanted = entries.filter(
      (e) => !e.isDirectory && !e.name.startsWith('__MACOSX') && !/(^|\/)manifest\.jsonl$/.test(e.name),
    );
    const named = wanted.map((e) => ({ entry: e, name: checkRelativeName(e.name) }));
    const target = join(dir, `${basename(f.path)}.d`);
    for (const { entry, name } of named) {
      const path = resolveUnder(target, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, entry.read());
      out.push({ name, path });
    }
  }
  return out;
}

/**
 * Creates the task's data from uploaded or shared files, asynchronously as CVAT's RQ job:
 * reads image sizes from file headers, splits the task into jobs.
 */
export function startDataProcessing(
  ctx: Ctx,
  task: TaskRec,
  uploaded: UploadedFile[],
  raw: JsonObject,
  dir: string,
): RequestRec {
  if (task.data) throw badRequest('Adding more data is not supported');
  const params = dataParams(raw);
  const emu = ctx.emu;
  let sources = [...uploaded];
  if (params.server_files.length) {
    if (!emu.shareDir)
      throw badRequest({ server_files: 'The emulator was started without a share directory.' });
    const root = resolve(emu.shareDir);
    sources = sources.concat(params.server_files.flatMap((f) => listShare(root, f)));
  }
  const id = rqId({ action: 'create', target: 'task', target_id: task.id });
  const rq = enqueue(
    ctx,
    id,
    {
      type: 'create:task',
      target: 'task',
      task_id: task.id,
      project_id: task.project_id,
      org_id: task.org_id,
    },
    async (progress) => {
      await processData(ctx, task, sources, params, dir, progress);
      return { result_id: task.id };
    },
  );
  task.data_rq_id = rq.id;
  return rq;
}

/** Turns files into the task's frames and jobs (the body of CVAT's task-creation job). */
export async function processData(
  ctx: Ctx,
  task: TaskRec,
  sources: UploadedFile[],
  params: DataParams,
  dir: string,
  progress: Progress,
): Promise<void> {
  const emu = ctx.emu;
  if (!sources.length) throw new RequestFailure('No media data found');
  const files = await expandArchives(sources, dir);
  const order = params.upload_file_order;
  if (params.sorting_method === 'lexicographical')
    files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  else if (params.sorting_method === 'natural') files.sort((a, b) => naturalCompare(a.name, b.name));
  else if (params.sorting_method === 'random') files.sort(() => Math.random() - 0.5);
  else if (order.length) {
    const rank = new Map(order.map((n, i) => [n, i]));
    files.sort(
      (a, b) =>
        (rank.get(a.name) ?? rank.get(basename(a.name)) ?? 1e9) -
        (rank.get(b.name) ?? rank.get(basename(b.name)) ?? 1e9),
    );
  }
  const frames: FrameRec[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const info = await probeFile(f.path);
    if (!info)
      throw new RequestFailure(
        `Unsupported media file: "${f.name}" is not an image the CVAT emulator can read (PNG, JPEG, GIF, BMP, WebP, TIFF).`,
      );
    frames.push({ name: f.name, width: info.width, height: info.height, path: f.path, mime: info.mime });
    await progress((i + 1) / files.length, 'Media files are being extracted');
  }
  const stop = Math.min(params.stop_frame ?? frames.length - 1, frames.length - 1);
  const selected = frames.filter(
    (_, i) => i >= params.start_frame && i <= stop && (i - params.start_frame) % params.frame_step === 0,
  );
  if (!selected.length) throw new RequestFailure('No media data found: the frame range is empty.');
  if (!emu.state.tasks.has(task.id)) throw new RequestFailure('The task was deleted.');
  task.data = {
    id: emu.state.nextId('data'),
    frames: selected,
    chunk_size: params.chunk_size ?? 72,
    image_quality: params.image_quality,
    start_frame: params.start_frame,
    stop_frame: stop,
    frame_filter: params.frame_step > 1 ? `step=${params.frame_step}` : '',
    deleted_frames: [],
    storage: params.server_files.length ? 'share' : 'local',
    sorting_method: params.sorting_method,
    chunks_updated_date: now(),
  };
  if (params.job_file_mapping) {
    let start = 0;
    const byName = new Map(selected.map((f, i) => [f.name, i]));
    for (const names of params.job_file_mapping) {
      const idx = names.map((n) => byName.get(n) ?? -1);
      if (idx.some((i) => i < 0))
        throw new RequestFailure('job_file_mapping refers to files that are not in the task.');
      makeJob(emu.state, task.id, 'annotation', start, start + names.length - 1);
      start += names.length;
    }
    task.segment_size = 0;
    task.overlap = 0;
  } else {
    createSegments(emu.state, task, selected.length);
  }
  if (params.validation) addValidation(ctx, task, params.validation, selected.length);
  task.updated_date = now();
}

function addValidation(ctx: Ctx, task: TaskRec, v: JsonObject, size: number): void {
  const mode = v.mode;
  if (mode !== 'gt')
    throw new RequestFailure(
      `validation mode "${String(mode)}" is not supported by the CVAT emulator (only "gt").`,
    );
  const method = v.frame_selection_method ?? 'random_uniform';
  let frames: number[];
  if (method === 'manual') {
    frames = strings(v.frames)
      .map((name) => task.data!.frames.findIndex((f) => f.name === name))
      .filter((i) => i >= 0);
  } else {
    const count =
      typeof v.frame_count === 'number'
        ? v.frame_count
        : Math.max(1, Math.round(size * (typeof v.frame_share === 'number' ? v.frame_share : 0.1)));
    const n = Math.min(count, size);
    frames = Array.from({ length: n }, (_, i) => Math.floor((i * size) / n));
  }
  if (!frames.length) throw new RequestFailure('The validation frame selection is empty.');
  frames = [...new Set(frames)].sort((a, b) => a - b);
  makeJob(ctx.emu.state, task.id, 'ground_truth', frames[0]!, frames[frames.length - 1]!, frames);
  task.validation_mode = 'gt';
}
