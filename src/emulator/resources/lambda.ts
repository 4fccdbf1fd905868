import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { asObject, optBool, optInt, optString } from '../body';
import type { Ctx } from '../context';
import { badRequest, detail, notFound } from '../errors';
import type { FrameRec, Json, JsonObject, TaskRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import { taskLabels } from './labels';
import { applyToTask, functionJson, functionsOf, getFunction, requestTask } from './functions';
import type { AnnotationRequestRec, NativeFunctionRec } from './functions';

/**
 * CVAT's serverless functions (`/api/lambda/*`, cvat/apps/lambda_manager): the list of functions,
 * one-frame calls, and requests that annotate a whole task in the background (an rq job in CVAT:
 * statuses queued → started → finished | failed, progress 0..100, DELETE cancels). The emulator's
 * functions are in-process detectors given in `EmulatorOptions.lambdaFunctions`; CVAT's native
 * functions appear here too as `pk:{id}`, and their requests go to the function's agent queue.
 */

export interface EmulatorLambdaAttribute {
  readonly name: string;
  readonly input_type: string;
  readonly values: readonly string[];
}

/** One detection as a serverless detector returns it: the function's label name, not an id. */
export interface EmulatorDetection {
  readonly label: string;
  readonly type: string;
  readonly points: readonly number[];
  readonly confidence?: number;
  readonly attributes?: readonly { readonly name: string; readonly value: string }[];
}

export interface EmulatorLambdaFunction {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly labels: readonly {
    readonly name: string;
    readonly type?: string;
    readonly attributes?: readonly EmulatorLambdaAttribute[];
  }[];
  detect(
    frame: {
      readonly data: Buffer;
      readonly mime: string;
      readonly name: string;
      readonly width: number;
      readonly height: number;
    },
    threshold: number | undefined,
  ): Promise<readonly EmulatorDetection[]> | readonly EmulatorDetection[];
}

const NATIVE_PREFIX = 'pk:';

interface LambdaJob {
  readonly id: string;
  readonly functionId: string;
  readonly taskId: number;
  readonly ownerId: number;
  readonly threshold: number | null;
  status: 'queued' | 'started' | 'finished' | 'failed';
  progress: number;
  enqueued: string;
  started: string | null;
  ended: string | null;
  excInfo: string | null;
  cancelled: boolean;
  /** Set when a native function's agent runs it. */
  readonly ar?: AnnotationRequestRec;
}

const jobsByEmulator = new WeakMap<Emulator, Map<string, LambdaJob>>();

function jobsOf(emu: Emulator): Map<string, LambdaJob> {
  let jobs = jobsByEmulator.get(emu);
  if (!jobs) {
    jobs = new Map();
    jobsByEmulator.set(emu, jobs);
  }
  return jobs;
}

type AnyFunction = { kind: 'lambda'; fn: EmulatorLambdaFunction } | { kind: 'native'; fn: NativeFunctionRec };

function findFunction(ctx: Ctx, id: string): AnyFunction {
  if (id.startsWith(NATIVE_PREFIX)) {
    const pk = Number(id.slice(NATIVE_PREFIX.length));
    if (!Number.isInteger(pk)) throw notFound();
    return { kind: 'native', fn: getFunction(ctx, pk) };
  }
  const fn = (ctx.emu.options.lambdaFunctions ?? []).find((f) => f.id === id);
  if (!fn) throw detail(404, `The function "${id}" was not found.`);
  return { kind: 'lambda', fn };
}

function lambdaJson(fn: EmulatorLambdaFunction): JsonObject {
  return {
    id: fn.id,
    kind: 'detector',
    labels_v2: fn.labels.map((label) => ({
      name: label.name,
      type: label.type ?? 'unknown',
      attributes: (label.attributes ?? []).map((a) => ({
        name: a.name,
        input_type: a.input_type,
        values: [...a.values],
      })),
    })),
    description: fn.description ?? '',
    framework: 'cvat-rx emulator',
    name: fn.name ?? fn.id,
    version: 1,
  };
}

function nativeAsLambda(fn: NativeFunctionRec): JsonObject {
  const { id, name, labels_v2 } = functionJson(fn);
  return {
    id: `${NATIVE_PREFIX}${String(id)}`,
    kind: 'detector',
    labels_v2,
    description: '',
    framework: 'native',
    name,
    version: 1,
  };
}

function listFunctions(ctx: Ctx): void {
  const user = ctx.requireUser();
  const native = [...functionsOf(ctx.emu).functions.values()].filter(
    (f) => f.owner_id === user.id || user.is_superuser,
  );
  ctx.json(200, [...(ctx.emu.options.lambdaFunctions ?? []).map(lambdaJson), ...native.map(nativeAsLambda)]);
}

function retrieveFunction(ctx: Ctx): void {
  ctx.requireUser();
  const found = findFunction(ctx, ctx.params['func'] ?? '');
  ctx.json(200, found.kind === 'lambda' ? lambdaJson(found.fn) : nativeAsLambda(found.fn));
}

/** The mapping `{ modelLabel: { name, attributes } }`; by default every label of the same name. */
function labelMapping(
  body: JsonObject,
): Map<string, { name: string; attributes: Record<string, string> }> | undefined {
  const raw = body['mapping'];
  if (raw === undefined || raw === null) return undefined;
  const mapping = new Map<string, { name: string; attributes: Record<string, string> }>();
  for (const [model, entry] of Object.entries(asObject(raw, 'mapping'))) {
    const e = asObject(entry, 'mapping');
    const name = optString(e, 'name');
    if (!name) throw badRequest({ mapping: `${model}: name is required` });
    const attributes: Record<string, string> = {};
    for (const [from, to] of Object.entries(
      e['attributes'] === undefined ? {} : asObject(e['attributes'], 'mapping'),
    ))
      if (typeof to === 'string') attributes[from] = to;
    mapping.set(model, { name, attributes });
  }
  return mapping;
}

/** Detections → task shapes: labels by the mapping (or by name), attributes likewise; the rest dropped. */
function toShapes(
  ctx: Ctx,
  task: TaskRec,
  frame: number,
  detections: readonly EmulatorDetection[],
  mapping: ReturnType<typeof labelMapping>,
): JsonObject[] {
  const labels = taskLabels(ctx, task.id);
  return detections.flatMap((d) => {
    const target = mapping ? mapping.get(d.label) : { name: d.label, attributes: undefined };
    const label = target ? labels.find((l) => l.name === target.name) : undefined;
    if (!label) return [];
    const attributes = (d.attributes ?? []).flatMap((a) => {
      const name = target?.attributes ? target.attributes[a.name] : a.name;
      const spec = label.attributes.find((s) => s.name === name);
      return spec ? [{ spec_id: spec.id, value: a.value }] : [];
    });
    return [
      {
        type: d.type,
        label_id: label.id,
        frame,
        points: [...d.points],
        source: 'auto',
        attributes,
        ...(d.confidence === undefined ? {} : { score: d.confidence }),
      },
    ];
  });
}

async function runDetector(
  fn: EmulatorLambdaFunction,
  frame: FrameRec,
  threshold: number | undefined,
): Promise<readonly EmulatorDetection[]> {
  const data = await readFile(frame.path);
  return fn.detect(
    { data, mime: frame.mime, name: frame.name, width: frame.width, height: frame.height },
    threshold,
  );
}

function thresholdOf(body: JsonObject): number | undefined {
  const value = body['threshold'];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw badRequest({ threshold: 'A valid number is required.' });
  return value;
}

/** `POST /api/lambda/functions/{id}`: one frame, answered when done. */
async function callFunction(ctx: Ctx): Promise<void> {
  const user = ctx.requireUser();
  const found = findFunction(ctx, ctx.params['func'] ?? '');
  const body = asObject(await ctx.readJson());
  const task = requestTask(ctx, body['task']);
  const frame = optInt(body, 'frame');
  const frames = task.data?.frames ?? [];
  if (frame === undefined || frame === null)
    throw badRequest(
      `\`${ctx.params['func'] ?? ''}\` lambda function was called without mandatory argument: frame`,
    );
  if (frame < 0 || frame >= frames.length)
    throw badRequest(`The frame number should be in the [0, ${frames.length - 1}] range`);
  const threshold = thresholdOf(body);
  if (found.kind === 'lambda') {
    // As CVAT answers a detector call: label and attribute names of the task, not ids.
    const detections = await runDetector(found.fn, frames[frame]!, threshold);
    const labels = taskLabels(ctx, task.id);
    const named = toShapes(ctx, task, frame, detections, labelMapping(body)).map((shape) => {
      const label = labels.find((l) => l.id === shape['label_id']);
      const attributes = Array.isArray(shape['attributes']) ? shape['attributes'] : [];
      return {
        label: label?.name ?? '',
        type: shape['type'],
        points: shape['points'],
        ...(shape['score'] === undefined ? {} : { confidence: shape['score'] }),
        attributes: attributes.map((a) => {
          const value = asObject(a);
          return {
            name: label?.attributes.find((s) => s.id === value['spec_id'])?.name ?? '',
            value: value['value'] ?? '',
          };
        }),
      };
    });
    ctx.json(200, named);
    return;
  }
  // A native function: the interactive request waits in the agent queue until an agent answers.
  const store = functionsOf(ctx.emu);
  const ar = store.enqueue(
    found.fn,
    user.id,
    arParams('annotate_frame', task.id, body, frame),
    'interactive',
    false,
  );
  await new Promise<void>((resolve) => {
    ar.onEnd.push(resolve);
    ctx.res.on('close', () => {
      if (ar.status === 'queued' || ar.status === 'started') store.remove(ar);
      resolve();
    });
  });
  if (ar.status !== 'finished') throw detail(500, ar.excInfo ?? 'The function failed.');
  ctx.json(200, ar.result?.['shapes'] ?? []);
}

function arParams(
  type: 'annotate_task' | 'annotate_frame',
  task: number,
  body: JsonObject,
  frame?: number,
): AnnotationRequestRec['params'] {
  return {
    type,
    task,
    ...(frame === undefined ? {} : { frame }),
    mapping: (body['mapping'] as Json | undefined) ?? null,
    threshold: thresholdOf(body) ?? null,
    conv_mask_to_poly: optBool(body, 'conv_mask_to_poly') ?? optBool(body, 'convMaskToPoly') ?? false,
  };
}

function jobJson(job: LambdaJob): JsonObject {
  const ar = job.ar;
  const status = ar
    ? ar.status === 'finished' || ar.status === 'failed'
      ? ar.status
      : ar.status
    : job.status;
  return {
    id: job.id,
    function: { id: job.functionId, task: job.taskId, threshold: job.threshold },
    status,
    progress: ar ? Math.round(ar.progress * 100) : job.progress,
    enqueued: ar?.enqueued ?? job.enqueued,
    started: ar ? ar.started : job.started,
    ended: ar ? ar.ended : job.ended,
    exc_info: ar ? ar.excInfo : job.excInfo,
  };
}

/** Runs an in-process detector over a task, frame by frame, at the emulator's processing pace. */
async function runJob(
  ctx: Ctx,
  job: LambdaJob,
  fn: EmulatorLambdaFunction,
  task: TaskRec,
  body: JsonObject,
): Promise<void> {
  const emu = ctx.emu;
  const mapping = labelMapping(body);
  const threshold = thresholdOf(body);
  const cleanup = optBool(body, 'cleanup') ?? false;
  const frames = task.data?.frames ?? [];
  const deleted = new Set(task.data?.deleted_frames ?? []);
  await emu.sleep(emu.processingDelayMs);
  if (job.cancelled) return;
  job.status = 'started';
  job.started = now();
  const shapes: JsonObject[] = [];
  try {
    for (let frame = 0; frame < frames.length; frame += 1) {
      if (job.cancelled) return;
      if (!deleted.has(frame))
        shapes.push(...toShapes(ctx, task, frame, await runDetector(fn, frames[frame]!, threshold), mapping));
      job.progress = Math.floor(((frame + 1) * 100) / frames.length);
      await emu.sleep(Math.max(1, Math.round(emu.processingDelayMs / 10)));
    }
    if (job.cancelled) return;
    applyToTask(ctx, task, { tags: [], shapes, tracks: [] }, cleanup);
    job.status = 'finished';
  } catch (error) {
    job.status = 'failed';
    job.excInfo = error instanceof Error ? error.message : String(error);
  }
  job.ended = now();
}

/** `POST /api/lambda/requests`: annotate a whole task in the background. */
async function createRequest(ctx: Ctx): Promise<void> {
  const user = ctx.requireUser();
  const body = asObject(await ctx.readJson());
  const functionId = optString(body, 'function');
  if (!functionId) throw badRequest({ function: 'This field is required.' });
  const found = findFunction(ctx, functionId);
  const task = requestTask(ctx, body['task']);
  if (!task.data) throw badRequest('The task has no data.');
  labelMapping(body);
  const threshold = thresholdOf(body) ?? null;
  const cleanup = optBool(body, 'cleanup') ?? false;
  const ar =
    found.kind === 'native'
      ? functionsOf(ctx.emu).enqueue(
          found.fn,
          user.id,
          arParams('annotate_task', task.id, body),
          'batch',
          cleanup,
        )
      : undefined;
  const job: LambdaJob = {
    // One id for both views of a native function's request: the lambda request and the agent's assignment.
    id: ar?.id ?? randomUUID(),
    functionId,
    taskId: task.id,
    ownerId: user.id,
    threshold,
    enqueued: now(),
    status: 'queued',
    progress: 0,
    started: null,
    ended: null,
    excInfo: null,
    cancelled: false,
    ...(ar ? { ar } : {}),
  };
  if (found.kind === 'lambda')
    void runJob(ctx, job, found.fn, task, body).catch((error: unknown) => ctx.emu.reportError(error));
  jobsOf(ctx.emu).set(job.id, job);
  ctx.json(200, jobJson(job));
}

function visibleJob(ctx: Ctx): LambdaJob {
  const user = ctx.requireUser();
  const job = jobsOf(ctx.emu).get(ctx.params['rq'] ?? '');
  if (!job || (job.ownerId !== user.id && !user.is_superuser)) throw notFound();
  functionsOf(ctx.emu).expireLeases();
  return job;
}

function cancelRequest(ctx: Ctx): void {
  const job = visibleJob(ctx);
  job.cancelled = true;
  if (job.ar) functionsOf(ctx.emu).remove(job.ar);
  jobsOf(ctx.emu).delete(job.id);
  ctx.empty(204);
}

export function registerLambda(emu: Emulator): void {
  emu.router
    .add('GET', '/api/lambda/functions', listFunctions)
    .add('GET', '/api/lambda/functions/:func', retrieveFunction)
    .add('POST', '/api/lambda/functions/:func', callFunction)
    .add('GET', '/api/lambda/requests', (ctx) => {
      const user = ctx.requireUser();
      functionsOf(ctx.emu).expireLeases();
      ctx.json(
        200,
        [...jobsOf(ctx.emu).values()].filter((j) => j.ownerId === user.id || user.is_superuser).map(jobJson),
      );
    })
    .add('POST', '/api/lambda/requests', createRequest)
    .add('GET', '/api/lambda/requests/:rq', (ctx) => ctx.json(200, jobJson(visibleJob(ctx))))
    .add('DELETE', '/api/lambda/requests/:rq', cancelRequest);
}
