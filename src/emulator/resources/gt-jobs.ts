import type { Ctx } from '../context';
import { HttpError, badRequest } from '../errors';
import type { JobRec, Json, JsonObject, TaskRec } from '../model';

/**
 * POST /api/jobs: a ground-truth job as `JobWriteSerializer` (cvat/apps/engine/serializers.py)
 * validates and creates it. The job spans the whole task (start 0, stop size - 1) and holds the
 * selected frames. Frames here are task-relative; job meta turns them into media numbers.
 */

type Method = 'random_uniform' | 'random_per_job' | 'manual';
const METHODS: readonly Method[] = ['random_uniform', 'random_per_job', 'manual'];
const JOB_TYPES = ['annotation', 'ground_truth', 'consensus_replica'];

/** A non-field error: DRF answers `["message"]`. */
const fail = (message: string): HttpError => new HttpError(400, [message]);

/** CVAT's `format_list`: at most 10 items, then "(and N more)". */
export function formatList(items: readonly string[], max = 10): string {
  const rest = items.length - max;
  return items.slice(0, max).join(', ') + (rest > 0 ? ` (and ${rest} more)` : '');
}

interface Params {
  type: string;
  method: Method;
  /** Selection parameters the chosen method does not use (CVAT refuses them after selecting). */
  unused: string[];
  frames?: number[];
  frame_count?: number;
  frame_share?: number;
  frames_per_job_count?: number;
  frames_per_job_share?: number;
  random_seed?: number;
  assignee: number | null;
}

/** Field checks of the serializer, then `validate()`. */
export function gtJobParams(o: JsonObject): Params {
  const errors: Record<string, string[]> = {};
  const int = (k: string, min: number | null, required = false): number | undefined => {
    const v = o[k];
    if (v === undefined || v === null) {
      if (required || v === null)
        errors[k] = [v === null ? 'This field may not be null.' : 'This field is required.'];
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      errors[k] = ['A valid integer is required.'];
      return undefined;
    }
    if (min !== null && v < min) {
      errors[k] = [`Ensure this value is greater than or equal to ${min}.`];
      return undefined;
    }
    return v;
  };
  const share = (k: string): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') {
      errors[k] = ['A valid number is required.'];
      return undefined;
    }
    if (v < 0 || v > 1) {
      errors[k] = ['Value must be in the range [0; 1]'];
      return undefined;
    }
    return v;
  };
  if (o.type === undefined) errors.type = ['This field is required.'];
  else if (typeof o.type !== 'string' || !JOB_TYPES.includes(o.type))
    errors.type = [`"${String(o.type as string)}" is not a valid choice.`];
  int('task_id', null, true);
  const method = o.frame_selection_method;
  if (
    method !== undefined &&
    (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method))
  )
    errors.frame_selection_method = [`"${String(method as string)}" is not a valid choice.`];
  let frames: number[] | undefined;
  if (o.frames !== undefined) {
    if (!Array.isArray(o.frames))
      errors.frames = [`Expected a list of items but got type "${typeof o.frames}".`];
    else if (o.frames.length === 0) errors.frames = ['This list may not be empty.'];
    else {
      const bad: Record<string, string[]> = {};
      o.frames.forEach((f: Json, i) => {
        if (typeof f !== 'number' || !Number.isInteger(f)) bad[String(i)] = ['A valid integer is required.'];
        else if (f < 0) bad[String(i)] = ['Ensure this value is greater than or equal to 0.'];
      });
      if (Object.keys(bad).length > 0) errors.frames = bad as unknown as string[];
      else frames = o.frames as number[];
    }
  }
  const p: Params = {
    type: String(o.type),
    method: (method ?? 'random_uniform') as Method,
    unused: [],
    frames,
    frame_count: int('frame_count', 1),
    frame_share: share('frame_share'),
    frames_per_job_count: int('frames_per_job_count', 1),
    frames_per_job_share: share('frames_per_job_share'),
    random_seed: int('random_seed', 0),
    assignee: o.assignee === undefined ? null : (int('assignee', null) ?? null),
  };
  if (Object.keys(errors).length > 0) throw new HttpError(400, errors);
  if (method === undefined)
    // CVAT fails with a server error here (the create pops a missing key); a 400 is stricter.
    throw badRequest({ frame_selection_method: 'This field is required.' });
  const oneOf = (keys: string[]): void => {
    const active = keys.filter((k) => o[k] !== undefined).length;
    const options = keys.map((k) => `"${k}"`).join(', ');
    if (active === 0) throw fail(`One of the fields ${options} required`);
    if (active > 1) throw fail(`Only 1 of the fields ${options} can be used`);
  };
  if (p.method === 'random_uniform') oneOf(['frame_count', 'frame_share']);
  else if (p.method === 'random_per_job') oneOf(['frames_per_job_count', 'frames_per_job_share']);
  else if (o.frames === undefined) throw fail('The "frames" field is required');
  if (o.frames !== undefined && p.method !== 'manual')
    throw fail('"frames" can only be used when "frame_selection_method" is "manual"');
  // Parameters of another selection method are left over: CVAT names them.
  const used: Record<Method, string[]> = {
    random_uniform: ['frame_count', 'frame_share', 'random_seed'],
    random_per_job: ['frames_per_job_count', 'frames_per_job_share', 'random_seed'],
    manual: ['frames'],
  };
  const known = [
    'frame_count',
    'frame_share',
    'frames_per_job_count',
    'frames_per_job_share',
    'random_seed',
    'frames',
  ];
  p.unused = known.filter((k) => o[k] !== undefined && !used[p.method].includes(k));
  return p;
}

/** A small seeded generator (mulberry32): the same seed gives the same frames. */
function rng(seed: number | undefined): () => number {
  let a = (seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function choose(from: readonly number[], count: number, next: () => number): number[] {
  const pool = [...from];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/** The frames of the new job (task-relative, sorted), or a 400 with CVAT's message. */
export function selectGtFrames(task: TaskRec, segments: readonly JobRec[], p: Params): number[] {
  if (p.type !== 'ground_truth') throw fail(`Unexpected job type '${p.type}'`);
  const data = task.data;
  if (!data) throw fail('This task has no data attached yet. Please set up task data and try again');
  if (task.validation_mode === 'gt' || task.validation_mode === 'gt_pool')
    throw fail(`Task with validation mode "${task.validation_mode}" cannot have more than 1 GT job`);
  const size = data.frames.length;
  const deleted = new Set(data.deleted_frames);
  const valid = data.frames.map((_, i) => i).filter((i) => !deleted.has(i));
  const next = rng(p.random_seed);
  let frames: number[];
  if (p.method === 'random_uniform') {
    let count = p.frame_count;
    if (count !== undefined) {
      if (size < count)
        throw fail(
          `The number of frames requested (${count}) must not be greater than the number of the task frames (${size})`,
        );
    } else if (p.frame_share) count = Math.max(1, Math.floor(p.frame_share * size));
    else throw fail('The number of validation frames is not specified');
    if (count > valid.length) throw fail(`Cannot take a larger sample than population when replace is False`);
    frames = choose(valid, count, next);
  } else if (p.method === 'random_per_job') {
    let count = p.frames_per_job_count;
    if (count !== undefined) {
      if (size < count)
        throw fail(
          `The number of frames requested (${count}) must be not be greater than the segment size (${task.segment_size})`,
        );
    } else if (p.frames_per_job_share)
      count = Math.min(Math.max(1, Math.floor(p.frames_per_job_share * task.segment_size)), size);
    else throw fail('The number of validation frames is not specified');
    frames = [];
    const overlap = task.overlap ?? 0;
    for (const s of segments) {
      const own = Array.from({ length: s.stop_frame - s.start_frame + 1 }, (_, i) => s.start_frame + i);
      const taken = own.filter((f) => frames.includes(f)).length;
      const missing = Math.min(own.length, count) - taken;
      if (missing <= 0) continue;
      const selectable = own.slice(s.start_frame !== 0 ? overlap : 0).filter((f) => !frames.includes(f));
      frames.push(...choose(selectable, Math.min(missing, selectable.length), next));
    }
  } else {
    frames = p.frames ?? [];
    if (new Set(frames).size !== frames.length) throw fail('Frames must not repeat');
    const invalid = [...new Set(frames)].filter((f) => f >= size).sort((a, b) => a - b);
    if (invalid.length > 0)
      throw fail(`The following frames do not exist in the task: ${formatList(invalid.map(String))}`);
  }
  if (p.unused.length > 0)
    throw fail(`Fields ${p.unused.map((k) => `"${k}"`).join(', ')} specified, but not used.`);
  return [...frames].sort((a, b) => a - b);
}

/** Who may be the job's assignee: an existing user (`UserPermission.create_scope_view` otherwise). */
export function checkAssignee(ctx: Ctx, assignee: number | null): void {
  if (assignee !== null && !ctx.emu.state.users.has(assignee))
    throw badRequest({ assignee: `Invalid pk "${assignee}" - object does not exist.` });
}
