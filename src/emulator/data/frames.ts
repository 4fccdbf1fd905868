import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { asObject, optArray } from '../body';
import type { Ctx } from '../context';
import { headerValue } from '../context';
import { badRequest, detail } from '../errors';
import type { FrameRec, JobRec, TaskRec } from '../model';
import { now } from '../model';
import { crc32 } from 'node:zlib';
import { zipBuffers } from './zip';

/** Streams one stored file with its content type. */
export function sendFile(
  ctx: Ctx,
  path: string,
  mime: string,
  size: number,
  extra: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Type', mime);
    ctx.res.setHeader('Content-Length', size);
    for (const [k, v] of Object.entries(extra)) ctx.res.setHeader(k, headerValue(v));
    if (ctx.method === 'HEAD') {
      ctx.res.end();
      return resolve();
    }
    const stream = createReadStream(path);
    stream.on('error', reject);
    ctx.res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(ctx.res);
  });
}

async function sendFrame(ctx: Ctx, frame: FrameRec): Promise<void> {
  const buf = await readFile(frame.path);
  ctx.send(200, buf, { 'Content-Type': frame.mime });
}

/** A task or job's preview: its first frame (CVAT renders a JPEG thumbnail; the original is served here). */
export function sendPreview(ctx: Ctx, task: TaskRec | null, frame = 0): Promise<void> | void {
  const f = task?.data?.frames[frame];
  if (!f) throw detail(404, 'Not found.');
  return sendFrame(ctx, f);
}

function chunkZip(frames: Array<{ number: number; frame: FrameRec }>): Promise<Buffer> {
  return Promise.all(
    frames.map(async ({ number, frame }) => ({
      name: `${String(number).padStart(6, '0')}${extname(frame.name).toLowerCase() || '.jpg'}`,
      data: await readFile(frame.path),
    })),
  ).then(zipBuffers);
}

/** Chunk headers CVAT sends for cache validation. */
function chunkHeaders(zip: Buffer, updated: string): Record<string, string> {
  return {
    'Content-Type': 'application/zip',
    'X-Checksum': String(crc32(zip.subarray(0, 1000), crc32(String(zip.length))) >>> 0),
    'X-Updated-Date': updated,
  };
}

function frameNumber(ctx: Ctx, min: number, max: number): number {
  const raw = ctx.query.get('number');
  const n = Number(raw);
  if (raw === null || !Number.isInteger(n)) throw badRequest('The "number" parameter is required.');
  if (n < min || n > max) throw badRequest(`The frame number should be in the [${min}, ${max}] range`);
  return n;
}

function checkQuality(ctx: Ctx): void {
  const q = ctx.query.get('quality');
  if (q !== null && q !== 'original' && q !== 'compressed') throw badRequest(`Wrong quality parameter: ${q}`);
}

/** GET /api/tasks/{id}/data: frames, chunks, previews and context images of a task. */
export async function taskData(ctx: Ctx, task: TaskRec): Promise<void> {
  const data = task.data;
  if (!data) throw badRequest('The task has no data.');
  const type = ctx.query.get('type');
  checkQuality(ctx);
  const size = data.frames.length;
  if (type === 'frame') return sendFrame(ctx, data.frames[frameNumber(ctx, 0, size - 1)]!);
  if (type === 'chunk') {
    const chunks = Math.ceil(size / data.chunk_size);
    const n = frameNumber(ctx, 0, chunks - 1);
    const frames = data.frames
      .slice(n * data.chunk_size, (n + 1) * data.chunk_size)
      .map((frame, i) => ({ number: n * data.chunk_size + i, frame }));
    const zip = await chunkZip(frames);
    return ctx.send(200, zip, chunkHeaders(zip, data.chunks_updated_date));
  }
  if (type === 'preview') return sendPreview(ctx, task);
  if (type === 'context_image') throw detail(404, 'No context images found.');
  throw badRequest('The "type" parameter must be one of: chunk, frame, context_image.');
}

export function jobFrames(job: JobRec): number[] {
  if (job.frames) return job.frames;
  return Array.from({ length: job.stop_frame - job.start_frame + 1 }, (_, i) => job.start_frame + i);
}

/** GET /api/jobs/{id}/data: the job's frames; chunks by `index` (job-relative) or task chunk `number`. */
export async function jobData(ctx: Ctx, task: TaskRec, job: JobRec): Promise<void> {
  const data = task.data;
  if (!data) throw badRequest('The task has no data.');
  checkQuality(ctx);
  const type = ctx.query.get('type');
  const frames = jobFrames(job);
  if (type === 'frame') {
    const n = frameNumber(ctx, job.start_frame, job.stop_frame);
    if (!frames.includes(n)) throw badRequest(`Frame ${n} is not included in the job.`);
    return sendFrame(ctx, data.frames[n]!);
  }
  if (type === 'chunk') {
    const rawIndex = ctx.query.get('index');
    let selected: number[];
    if (rawIndex !== null) {
      const index = Number(rawIndex);
      const count = Math.ceil(frames.length / data.chunk_size);
      if (!Number.isInteger(index) || index < 0 || index >= count)
        throw badRequest(`The chunk index should be in the [0, ${count - 1}] range`);
      selected = frames.slice(index * data.chunk_size, (index + 1) * data.chunk_size);
    } else {
      const n = frameNumber(ctx, 0, Math.ceil(data.frames.length / data.chunk_size) - 1);
      selected = frames.filter((f) => Math.floor(f / data.chunk_size) === n);
      if (!selected.length) throw badRequest('The chunk is outside of the job.');
    }
    const zip = await chunkZip(selected.map((number) => ({ number, frame: data.frames[number]! })));
    return ctx.send(200, zip, chunkHeaders(zip, data.chunks_updated_date));
  }
  if (type === 'context_image') throw detail(404, 'No context images found.');
  throw badRequest('The "type" parameter must be one of: chunk, frame, context_image.');
}

/** DataMetaRead for a task, or for the frames of one job. */
export function meta(task: TaskRec, job?: JobRec): Record<string, unknown> {
  const data = task.data;
  if (!data) throw detail(404, 'The task has no data.');
  const frames = job ? jobFrames(job) : data.frames.map((_, i) => i);
  const included = job?.frames ?? null;
  const contiguous = job && !job.frames ? frames : data.frames.map((_, i) => i);
  return {
    chunks_updated_date: data.chunks_updated_date,
    chunk_size: data.chunk_size,
    size: frames.length,
    image_quality: data.image_quality,
    start_frame: job ? job.start_frame : data.start_frame,
    stop_frame: job ? job.stop_frame : data.stop_frame,
    frame_filter: data.frame_filter,
    frames: contiguous.map((i) => {
      const f = data.frames[i]!;
      return { width: f.width, height: f.height, name: f.name, related_files: 0, has_related_context: false };
    }),
    deleted_frames: data.deleted_frames.filter((d) => !job || frames.includes(d)),
    included_frames: included,
    storage: data.storage,
    cloud_storage_id: null,
  };
}

export async function patchMeta(ctx: Ctx, task: TaskRec, job?: JobRec): Promise<void> {
  const data = task.data;
  if (!data) throw detail(404, 'The task has no data.');
  const o = asObject(await ctx.readJson());
  const deleted = optArray(o, 'deleted_frames');
  if (deleted) {
    const allowed = job ? new Set(jobFrames(job)) : null;
    const nums = deleted.map(Number);
    if (
      nums.some(
        (n) => !Number.isInteger(n) || n < 0 || n >= data.frames.length || (allowed && !allowed.has(n)),
      )
    ) {
      throw badRequest({ deleted_frames: 'Frame numbers are out of range.' });
    }
    const keep = job ? data.deleted_frames.filter((d) => !allowed!.has(d)) : [];
    data.deleted_frames = [...new Set([...keep, ...nums])].sort((a, b) => a - b);
    data.chunks_updated_date = now();
  }
  ctx.json(200, meta(task, job));
}
