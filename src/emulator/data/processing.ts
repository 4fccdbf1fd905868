import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Ctx } from '../context';
import { badRequest } from '../errors';
import type { FrameRec, JsonObject, RequestRec, TaskRec } from '../model';
import { now } from '../model';
import { enqueue, RequestFailure, rqId } from '../requests';
import type { Progress } from '../requests';
import { cloudFiles } from '../resources/cloudstorages';
import { createSegments, makeJob } from '../resources/jobs';
import type { UploadedFile } from './uploads';
import { imageInfo, probeFile } from './media';
import { checkRelativeName, resolveExistingUnder, resolveUnder, UnsafePathError } from '../safe-path';
import { isZip, readZip } from './zip';
import { checkUploadOrder, dataParams, frameStep } from './data-request';
import type { DataParams } from './data-request';

export { dataParams } from './data-request';
export type { DataParams } from './data-request';

/** task.py `_validate_job_file_mapping`: checked when processing starts, so a failed request. */
function checkJobFileMapping(task: TaskRec, params: DataParams): string[][] | null {
  const mapping = params.job_file_mapping;
  if (mapping === null) return null;
  const fail = (why: string): never => {
    throw new RequestFailure(`job_file_mapping ${why}`);
  };
  if (!mapping.flat().length) fail('cannot be empty');
  if (task.segment_size) fail('cannot be used with segment_size');
  if (params.sorting_method !== 'lexicographical') fail('cannot be used with sorting_method');
  if (params.start_frame) fail('cannot be used with start_frame');
  if (params.stop_frame) fail('cannot be used with stop_frame');
  if (params.frame_filter) fail('cannot be used with frame_filter');
  return mapping;
}

/** Files in task order: the job file mapping's order, else the sorting method's. */
function orderFiles(files: UploadedFile[], params: DataParams, mapping: string[][] | null): UploadedFile[] {
  if (mapping) {
    const byName = new Map(files.map((f) => [f.name, f]));
    return mapping.flat().map((name) => {
      const f = byName.get(name);
      if (!f) throw new RequestFailure(`Can't find file '${basename(name)}' in the input files`);
      return f;
    });
  }
  const out = [...files];
  const order = params.upload_file_order;
  if (params.sorting_method === 'lexicographical')
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  else if (params.sorting_method === 'natural') out.sort((a, b) => naturalCompare(a.name, b.name));
  else if (params.sorting_method === 'random') out.sort(() => Math.random() - 0.5);
  else if (order.length) {
    const byName = new Map(out.map((f) => [f.name, f]));
    return order.map((n) => byName.get(n)).filter((f): f is UploadedFile => f !== undefined);
  }
  return out;
}

/** task.py: frames per chunk when the request gives none, from the first frame's area. */
function defaultChunkSize(first: FrameRec): number {
  const area = Math.max(1, first.width * first.height);
  return Math.max(2, Math.min(72, Math.floor((36 * 1920 * 1080) / area)));
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
    if (!isZip(f.head ?? (await head(f.path)))) {
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
  if (params.sorting_method === 'predefined' && uploaded.length && params.upload_file_order.length) {
    checkUploadOrder(
      uploaded.map((f) => f.name),
      params.upload_file_order,
    );
  }
  let sources = [...uploaded];
  if (params.cloud_storage_id !== null) {
    if (!params.server_files.length)
      throw badRequest({ server_files: 'No files were selected in the cloud storage.' });
    sources = sources.concat(cloudFiles(ctx, params.cloud_storage_id, params.server_files));
  } else if (params.server_files.length) {
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
  const mapping = checkJobFileMapping(task, params);
  if (!sources.length) throw new RequestFailure('No media data found');
  const files = orderFiles(await expandArchives(sources, dir), params, mapping);
  const frames: FrameRec[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    // A header found in the kept first bytes is the one the file holds; else the file is read.
    const info = (f.head ? imageInfo(f.head) : null) ?? (await probeFile(f.path));
    if (!info)
      throw new RequestFailure(
        `Unsupported media file: "${f.name}" is not an image the CVAT emulator can read (PNG, JPEG, GIF, BMP, WebP, TIFF).`,
      );
    frames.push({ name: f.name, width: info.width, height: info.height, path: f.path, mime: info.mime });
    await progress((i + 1) / files.length, 'Media files are being extracted');
  }
  // The image extractor's frame range: start..stop (inclusive) by the filter's step.
  const step = frameStep(params.frame_filter);
  const last = params.stop_frame ?? frames.length - 1;
  const selected = frames.filter(
    (_, i) => i >= params.start_frame && i <= last && (i - params.start_frame) % step === 0,
  );
  if (!selected.length) throw new RequestFailure('No media data found: the frame range is empty.');
  if (params.image_quality === null)
    throw new RequestFailure("The 'image_quality' parameter is required for image- and video-based tasks");
  if (!emu.state.tasks.has(task.id)) throw new RequestFailure('The task was deleted.');
  // task.py: stop_frame is the last frame taken, capped by the one asked for.
  const lastTaken = params.start_frame + (selected.length - 1) * step;
  task.data = {
    id: emu.state.nextId('data'),
    frames: selected,
    chunk_size: params.chunk_size ?? defaultChunkSize(selected[0]!),
    image_quality: params.image_quality,
    start_frame: params.start_frame,
    stop_frame: params.stop_frame === null ? lastTaken : Math.min(params.stop_frame, lastTaken),
    frame_filter: params.frame_filter,
    deleted_frames: [],
    storage:
      params.cloud_storage_id !== null ? 'cloud_storage' : params.server_files.length ? 'share' : 'local',
    cloud_storage_id: params.cloud_storage_id,
    sorting_method: mapping ? 'predefined' : params.sorting_method,
    chunks_updated_date: now(),
  };
  if (mapping) {
    let start = 0;
    for (const names of mapping) {
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
    frames = (Array.isArray(v.frames) ? v.frames.map(String) : [])
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
