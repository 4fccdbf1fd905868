import { asObject, optArray } from '../body';
import type { Ctx } from '../context';
import { badRequest, detail } from '../errors';
import type { JobRec, TaskRec } from '../model';
import { now } from '../model';
import { jobData as getJobData, sendJobPreview, sendTaskPreview, taskData as getTaskData } from './getter';

/** A task or job's preview: a JPEG thumbnail of its first frame (CVAT's PREVIEW_SIZE). */
export function sendPreview(ctx: Ctx, task: TaskRec | null, frame = 0): Promise<void> {
  if (!task) throw detail(404, 'Not found.');
  return frame === 0 ? sendTaskPreview(ctx, task) : sendJobPreview(ctx, task, frame);
}

/** GET /api/tasks/{id}/data (see getter.ts). */
export function taskData(ctx: Ctx, task: TaskRec): Promise<void> {
  return getTaskData(ctx, task);
}

export function jobFrames(job: JobRec): number[] {
  return job.frames ?? jobRange(job);
}

/** GET /api/jobs/{id}/data (see getter.ts). */
export function jobData(ctx: Ctx, task: TaskRec, job: JobRec): Promise<void> {
  return getJobData(ctx, task, job, jobFrames(job));
}

/** The step of a `step=N` frame filter (1 without one). */
function frameStep(filter: string): number {
  const m = /step\s*=\s*(\d+)/.exec(filter);
  return m ? Number(m[1]) : 1;
}

/** Every task frame between the job's start and stop (a ground-truth job spans the task). */
function jobRange(job: JobRec): number[] {
  return Array.from({ length: job.stop_frame - job.start_frame + 1 }, (_, i) => job.start_frame + i);
}

/** DataMetaRead for a task, or for the frames of one job. */
export function meta(task: TaskRec, job?: JobRec): Record<string, unknown> {
  const data = task.data;
  // TaskViewSet.metadata: a ValidationError, so a list body.
  if (!data) throw badRequest('Data is not uploaded for the task yet');
  const frames = job ? jobFrames(job) : data.frames.map((_, i) => i);
  // Job meta speaks in media frame numbers (views.py JobViewSet.metadata): the job's range from
  // the task's start with its step, and a ground-truth job's frames the same way. Frames of the
  // range the job does not hold are listed as placeholders.
  const step = frameStep(data.frame_filter);
  const media = (rel: number): number => data.start_frame + rel * step;
  const range = job ? jobRange(job) : frames;
  const held = new Set(frames);
  return {
    chunks_updated_date: data.chunks_updated_date,
    chunk_size: data.chunk_size,
    size: frames.length,
    image_quality: data.image_quality,
    start_frame: job ? media(job.start_frame) : data.start_frame,
    stop_frame: job ? Math.min(data.stop_frame, media(job.stop_frame)) : data.stop_frame,
    frame_filter: data.frame_filter,
    frames: range.map((i) => {
      const f = data.frames[i]!;
      const name = held.has(i) ? f.name : 'placeholder.jpg';
      return { width: f.width, height: f.height, name, related_files: 0, has_related_context: false };
    }),
    deleted_frames: data.deleted_frames.filter((d) => !job || held.has(d)),
    included_frames: job?.frames ? job.frames.map(media) : null,
    storage: data.storage,
    cloud_storage_id: data.cloud_storage_id ?? null,
  };
}

export async function patchMeta(ctx: Ctx, task: TaskRec, job?: JobRec): Promise<void> {
  const data = task.data;
  // task.py ensure_task_is_initialized
  if (!data) throw badRequest('This task data has not been initialized yet');
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
