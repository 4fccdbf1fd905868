import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Ctx } from '../context';
import { HttpError } from '../errors';
import { plainText } from '../plain';
import type { FrameRec, JobRec, TaskRec } from '../model';
import { CodecError, compressedFrame, previewOf } from './codec';
import { zipBuffers } from './zip';

/**
 * GET /api/tasks/{id}/data and /api/jobs/{id}/data, as CVAT's _TaskDataGetter and
 * _JobDataGetter (cvat/apps/engine/views.py) answer them:
 * - the checks of the getter's constructor (type, number, quality) raise ordinary validation
 *   errors: a JSON list body;
 * - errors met while reading (a frame or chunk out of range, a task without media) are caught
 *   and answered as a JSON string;
 * - compressed frames are JPEG (image/jpeg), original ones keep the source type;
 * - chunk zips name their entries 000000.jpeg (compressed) or 000000<source extension>
 *   (original), counting from 0 in every chunk;
 * - chunks honour `Range` (206, or 416 naming the full size in Content-Range); a malformed
 *   Range header is a plain-text 400.
 */

type Quality = 'compressed' | 'original';
type Range = [number | null, number | null] | null;

const listError = (message: string): HttpError => new HttpError(400, [message]);
/** An error caught by the getter's __call__: its text as a JSON string. */
const stringError = (status: number, message: string): HttpError => new HttpError(status, message);

/** views._parse_range_header */
function parseRange(ctx: Ctx): Range {
  const raw = ctx.header('range');
  if (!raw) return null;
  const spec = /^([^=\s]+)\s*=\s*(.+)$/s.exec(raw.trim());
  if (!spec) throw plainText(400, 'Invalid Range header');
  if (spec[1]!.toLowerCase() !== 'bytes') return null;
  const m = /^(\d*)-(\d*)$/.exec(spec[2]!.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw plainText(400, 'Invalid Range header');
  return [m[1] === '' ? null : Number(m[1]), m[2] === '' ? null : Number(m[2])];
}

/** _DataGetter._resolve_range: null when not satisfiable. */
function resolveRange([first, last]: [number | null, number | null], size: number): [number, number] | null {
  let start: number;
  let end: number;
  if (first !== null) {
    start = first;
    end = last ?? size - 1;
  } else {
    if (last === null || last <= 0) return null;
    start = Math.max(size - last, 0);
    end = size - 1;
  }
  if (end < start || start >= size) return null;
  return [start, Math.min(end, size - 1)];
}

interface Request {
  type: string;
  number: number | null;
  index: number | null;
  quality: Quality;
  range: Range;
}

function integer(raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw listError(`invalid literal for int() with base 10: '${raw}'`);
  return Number(raw);
}

/** The view's query parsing and the getter's constructor checks. */
function request(ctx: Ctx, job: boolean): Request {
  const range = parseRange(ctx);
  const type = ctx.query.get('type') ?? '';
  const rawNumber = ctx.query.get('number');
  const rawIndex = job ? ctx.query.get('index') : null;
  const quality = ctx.query.get('quality') ?? 'compressed';
  if (!['chunk', 'frame', 'preview', 'context_image'].includes(type))
    throw listError('Data type not specified or has wrong value');
  if (job && type === 'chunk') {
    if (rawNumber === null && rawIndex === null) throw listError('Number or Index is not specified');
    if (rawNumber !== null && rawIndex !== null) throw listError('Number and Index cannot be used together');
  } else if (type !== 'context_image') {
    if (rawNumber === null && type !== 'preview') throw listError('Number is not specified');
    if (quality !== 'compressed' && quality !== 'original') throw listError('Wrong quality value');
  }
  return {
    type,
    number: integer(rawNumber),
    index: integer(rawIndex),
    quality: quality === 'compressed' ? 'compressed' : 'original',
    range,
  };
}

async function frameBytes(task: TaskRec, frame: FrameRec, quality: Quality): Promise<Buffer> {
  // In this thread: for a frame-sized file the thread pool's four hand-overs (open, stat, read,
  // close) cost more than the reads (bench/README.md, fourth round).
  if (quality === 'original') return readFileSync(frame.path);
  try {
    return await compressedFrame(frame, task.data!.image_quality);
  } catch (e) {
    // CVAT fails the same way when PIL cannot read a frame while building a chunk.
    if (e instanceof CodecError)
      throw new HttpError(
        500,
        `Exception occurred during compression of image '${frame.name}': ${e.message}`,
      );
    throw e;
  }
}

async function sendFrame(ctx: Ctx, task: TaskRec, frame: FrameRec, quality: Quality): Promise<void> {
  const bytes = await frameBytes(task, frame, quality);
  ctx.send(200, bytes, { 'Content-Type': quality === 'compressed' ? 'image/jpeg' : frame.mime });
}

async function chunkZip(task: TaskRec, frames: FrameRec[], quality: Quality): Promise<Buffer> {
  const entries = await Promise.all(
    frames.map(async (frame, i) => ({
      name: `${String(i).padStart(6, '0')}${quality === 'compressed' ? '.jpeg' : extname(frame.name)}`,
      data: await frameBytes(task, frame, quality),
    })),
  );
  return zipBuffers(entries);
}

/** _DataGetter._make_ranged_chunk_response */
async function sendChunk(
  ctx: Ctx,
  task: TaskRec,
  frames: FrameRec[],
  quality: Quality,
  range: Range,
  updated: string,
): Promise<void> {
  const zip = await chunkZip(task, frames, quality);
  const headers: Record<string, string> = {
    'Content-Type': 'application/zip',
    'X-Checksum': String(crc32(zip.subarray(0, 1000), crc32(String(zip.length))) >>> 0),
    'X-Updated-Date': updated,
    'Accept-Ranges': 'bytes',
  };
  if (!range) return ctx.send(200, zip, headers);
  const span = resolveRange(range, zip.length);
  if (!span) return ctx.send(416, null, { ...headers, 'Content-Range': `bytes */${zip.length}` });
  const [start, end] = span;
  ctx.send(206, zip.subarray(start, end + 1), {
    ...headers,
    'Content-Range': `bytes ${start}-${end}/${zip.length}`,
  });
}

async function sendPreviewFrame(ctx: Ctx, frame: FrameRec): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await previewOf(frame);
  } catch (e) {
    if (e instanceof CodecError)
      throw new HttpError(500, `Cannot make a preview of '${frame.name}': ${e.message}`);
    throw e;
  }
  ctx.send(200, bytes, { 'Content-Type': 'image/jpeg', Vary: 'Prefer' });
}

/** GET /api/tasks/{id}/preview and the task and project previews. */
export function sendTaskPreview(ctx: Ctx, task: TaskRec): Promise<void> {
  const first = task.data?.frames[0];
  if (!first) throw stringError(404, 'Task has no media');
  return sendPreviewFrame(ctx, first);
}

/** GET /api/jobs/{id}/preview: the job's first frame. */
export function sendJobPreview(ctx: Ctx, task: TaskRec, frameNumber: number): Promise<void> {
  const frame = task.data?.frames[frameNumber];
  if (!frame) throw stringError(404, 'Task has no media');
  return sendPreviewFrame(ctx, frame);
}

/** GET /api/tasks/{id}/data */
export async function taskData(ctx: Ctx, task: TaskRec): Promise<void> {
  const rq = request(ctx, false);
  const data = task.data;
  if (!data) throw stringError(404, 'Task has no media');
  const size = data.frames.length;
  if (rq.type === 'preview') return sendTaskPreview(ctx, task);
  if (rq.type === 'context_image') {
    if (rq.number === null || rq.number < 0 || rq.number >= size) throw frameRangeError(rq.number, size);
    throw plainText(404, '');
  }
  const n = rq.number!;
  if (rq.type === 'frame') {
    if (n < 0 || n >= size) throw frameRangeError(n, size);
    return sendFrame(ctx, task, data.frames[n]!, rq.quality);
  }
  const last = Math.ceil(size / data.chunk_size) - 1;
  if (n < 0 || n > last) throw chunkRangeError(n, last);
  const frames = data.frames.slice(n * data.chunk_size, (n + 1) * data.chunk_size);
  return sendChunk(ctx, task, frames, rq.quality, rq.range, data.chunks_updated_date);
}

const frameRangeError = (n: number | null, size: number): HttpError =>
  stringError(400, `Invalid frame '${String(n)}'. The frame number should be in the [0, ${size}] range`);
const chunkRangeError = (n: number, last: number): HttpError =>
  stringError(400, `Invalid chunk number '${n}'. The chunk number should be in the [0, ${last}] range`);

/** GET /api/jobs/{id}/data: frames by task frame number; chunks by job `index` or task chunk `number`. */
export async function jobData(
  ctx: Ctx,
  task: TaskRec,
  job: JobRec,
  jobFrameNumbers: number[],
): Promise<void> {
  const rq = request(ctx, true);
  const data = task.data;
  if (!data) throw stringError(404, 'Task has no media');
  const frameOf = (n: number): FrameRec => data.frames[n]!;
  if (rq.type === 'preview') return sendJobPreview(ctx, task, jobFrameNumbers[0] ?? 0);
  if (rq.type === 'frame' || rq.type === 'context_image') {
    const n = rq.number!;
    if (!jobFrameNumbers.includes(n)) throw stringError(400, `Incorrect requested frame number: ${n}`);
    if (rq.type === 'context_image') throw plainText(404, '');
    return sendFrame(ctx, task, frameOf(n), rq.quality);
  }
  let selected: number[];
  if (rq.index !== null) {
    const last = Math.ceil(jobFrameNumbers.length / data.chunk_size) - 1;
    if (rq.index < 0 || rq.index > last) throw chunkRangeError(rq.index, last);
    selected = jobFrameNumbers.slice(rq.index * data.chunk_size, (rq.index + 1) * data.chunk_size);
  } else {
    const n = rq.number!;
    const last = Math.ceil(data.frames.length / data.chunk_size) - 1;
    selected = jobFrameNumbers.filter((f) => Math.floor(f / data.chunk_size) === n);
    if (n < 0 || n > last || !selected.length) throw chunkRangeError(n, last);
  }
  return sendChunk(ctx, task, selected.map(frameOf), rq.quality, rq.range, data.chunks_updated_date);
}
