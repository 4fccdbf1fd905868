import { randomUUID } from 'node:crypto';
import { getTask } from '../access';
import { parseData, replaceAnnotations, assignIds } from '../annotations';
import { asObject, optArray, optString } from '../body';
import type { Ctx } from '../context';
import { badRequest, detail, notFound } from '../errors';
import type { Json, JsonObject, TaskRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import { LABEL_TYPES } from './label-validation';

/**
 * CVAT's native functions (CVAT Online/Enterprise; not in the open-source 2.73.1 schema), as
 * cvat-cli's agent uses them: `/api/functions` (create, retrieve, delete) and the function's queue
 * `function:{id}` (acquire, update, complete, fail). Requests are made through the lambda API
 * (./lambda.ts) with `function: "pk:{id}"`. A request acquired by an agent is leased: an agent that
 * sends no update (or result) within `agentLeaseMs` loses it and it goes back to the queue.
 */

export interface NativeFunctionRec {
  id: number;
  name: string;
  provider: 'native';
  kind: 'detector';
  labels_v2: JsonObject[];
  owner_id: number;
  created_date: string;
  updated_date: string;
}

export type ArStatus = 'queued' | 'started' | 'finished' | 'failed';

export interface AnnotationRequestRec {
  id: string;
  functionId: number;
  category: 'batch' | 'interactive';
  params: JsonObject & { type: 'annotate_task' | 'annotate_frame'; task: number };
  ownerId: number;
  cleanup: boolean;
  status: ArStatus;
  progress: number;
  agentId: string | null;
  leaseUntil: number;
  enqueued: string;
  started: string | null;
  ended: string | null;
  excInfo: string | null;
  /** What `complete` sent, for one-frame (interactive) requests whose caller waits for it. */
  result: JsonObject | null;
  /** Called when the request ends (finished or failed). */
  onEnd: Array<() => void>;
}

export class FunctionsStore {
  readonly functions = new Map<number, NativeFunctionRec>();
  readonly requests = new Map<string, AnnotationRequestRec>();
  private nextId = 1;

  constructor(readonly leaseMs: number) {}

  newFunctionId(): number {
    return this.nextId++;
  }

  /** Requests whose agent let the lease lapse go back to the queue (checked whenever asked). */
  expireLeases(at = Date.now()): void {
    for (const ar of this.requests.values()) {
      if (ar.status === 'started' && ar.leaseUntil < at) {
        ar.status = 'queued';
        ar.agentId = null;
        ar.started = null;
      }
    }
  }

  enqueue(
    fn: NativeFunctionRec,
    ownerId: number,
    params: AnnotationRequestRec['params'],
    category: AnnotationRequestRec['category'],
    cleanup: boolean,
  ): AnnotationRequestRec {
    const ar: AnnotationRequestRec = {
      id: randomUUID(),
      functionId: fn.id,
      category,
      params,
      ownerId,
      cleanup,
      status: 'queued',
      progress: 0,
      agentId: null,
      leaseUntil: 0,
      enqueued: now(),
      started: null,
      ended: null,
      excInfo: null,
      result: null,
      onEnd: [],
    };
    this.requests.set(ar.id, ar);
    return ar;
  }

  end(ar: AnnotationRequestRec, status: 'finished' | 'failed', excInfo: string | null = null): void {
    ar.status = status;
    ar.ended = now();
    ar.excInfo = excInfo;
    if (status === 'finished') ar.progress = 1;
    for (const callback of ar.onEnd.splice(0)) callback();
  }

  /** Takes a request out of the queue (a cancelled lambda request); its waiters see it failed. */
  remove(ar: AnnotationRequestRec): void {
    this.requests.delete(ar.id);
    if (ar.status === 'queued' || ar.status === 'started') this.end(ar, 'failed', 'Cancelled');
  }
}

const stores = new WeakMap<Emulator, FunctionsStore>();

/** The emulator's native functions and their requests. */
export function functionsOf(emu: Emulator): FunctionsStore {
  let store = stores.get(emu);
  if (!store) {
    store = new FunctionsStore(emu.options.agentLeaseMs ?? 60_000);
    stores.set(emu, store);
  }
  return store;
}

/** A function the user may see and use: their own, or any for an admin. */
export function getFunction(ctx: Ctx, id: number): NativeFunctionRec {
  const user = ctx.requireUser();
  const fn = functionsOf(ctx.emu).functions.get(id);
  if (!fn || (fn.owner_id !== user.id && !user.is_superuser)) throw notFound();
  return fn;
}

export function functionJson(fn: NativeFunctionRec): JsonObject {
  return {
    id: fn.id,
    name: fn.name,
    provider: fn.provider,
    kind: fn.kind,
    labels_v2: fn.labels_v2,
    description: '',
    owner: null,
    created_date: fn.created_date,
    updated_date: fn.updated_date,
  };
}

function parseLabels(raw: Json[] | undefined): JsonObject[] {
  const names = new Set<string>();
  return (raw ?? []).map((item, i) => {
    const label = asObject(item, 'labels_v2');
    const name = optString(label, 'name');
    if (!name) throw badRequest({ labels_v2: `[${i}] name: This field is required.` });
    if (names.has(name)) throw badRequest({ labels_v2: `[${i}] name: label names must be unique` });
    names.add(name);
    const type = optString(label, 'type') ?? 'any';
    if (!(LABEL_TYPES as readonly string[]).includes(type))
      throw badRequest({ labels_v2: `[${i}] type: "${type}" is not a valid choice.` });
    return {
      name,
      type,
      attributes: optArray(label, 'attributes') ?? [],
      sublabels: optArray(label, 'sublabels') ?? [],
    };
  });
}

async function createFunction(ctx: Ctx): Promise<void> {
  const user = ctx.requireUser();
  const body = asObject(await ctx.readJson());
  const provider = optString(body, 'provider');
  if (provider !== 'native') throw badRequest({ provider: `"${String(provider)}" is not a valid choice.` });
  const name = optString(body, 'name');
  if (!name || name.trim() === '') throw badRequest({ name: 'This field is required.' });
  const kind = optString(body, 'kind');
  if (kind !== 'detector') throw badRequest({ kind: `"${String(kind)}" is not a valid choice.` });
  const store = functionsOf(ctx.emu);
  const fn: NativeFunctionRec = {
    id: store.newFunctionId(),
    name,
    provider: 'native',
    kind: 'detector',
    labels_v2: parseLabels(optArray(body, 'labels_v2')),
    owner_id: user.id,
    created_date: now(),
    updated_date: now(),
  };
  store.functions.set(fn.id, fn);
  ctx.json(201, functionJson(fn));
}

function deleteFunction(ctx: Ctx): void {
  const fn = getFunction(ctx, ctx.param('id'));
  const store = functionsOf(ctx.emu);
  for (const ar of [...store.requests.values()]) if (ar.functionId === fn.id) store.remove(ar);
  store.functions.delete(fn.id);
  ctx.empty(204);
}

/** `function:{id}` → the function (404 for other queue names). */
function queueFunction(ctx: Ctx): NativeFunctionRec {
  const match = /^function:(\d+)$/.exec(ctx.params['queue'] ?? '');
  if (!match) throw notFound();
  return getFunction(ctx, Number(match[1]));
}

function agentOf(body: JsonObject): string {
  const agent = optString(body, 'agent_id');
  if (!agent) throw badRequest({ agent_id: 'This field is required.' });
  return agent;
}

async function acquire(ctx: Ctx): Promise<void> {
  const fn = queueFunction(ctx);
  const body = asObject(await ctx.readJson());
  const agent = agentOf(body);
  const category = optString(body, 'request_category') ?? 'batch';
  if (category !== 'batch' && category !== 'interactive')
    throw badRequest({ request_category: `"${category}" is not a valid choice.` });
  const store = functionsOf(ctx.emu);
  store.expireLeases();
  const next = [...store.requests.values()].find(
    (ar) => ar.functionId === fn.id && ar.category === category && ar.status === 'queued',
  );
  if (!next) {
    ctx.json(200, { ar_assignment: null });
    return;
  }
  next.status = 'started';
  next.agentId = agent;
  next.started = now();
  next.leaseUntil = Date.now() + store.leaseMs;
  ctx.json(200, { ar_assignment: { ar_id: next.id, ar_params: next.params } });
}

/** The request named in the path, held by the agent named in the body. */
async function heldRequest(ctx: Ctx): Promise<{ ar: AnnotationRequestRec; body: JsonObject }> {
  const fn = queueFunction(ctx);
  const body = asObject(await ctx.readJson());
  const agent = agentOf(body);
  const store = functionsOf(ctx.emu);
  store.expireLeases();
  const ar = store.requests.get(ctx.params['ar'] ?? '');
  if (!ar || ar.functionId !== fn.id) throw notFound();
  if (ar.status !== 'started' || ar.agentId !== agent)
    throw detail(409, 'The request is not assigned to this agent (its lease may have expired).');
  return { ar, body };
}

async function update(ctx: Ctx): Promise<void> {
  const { ar, body } = await heldRequest(ctx);
  const progress = body['progress'];
  if (typeof progress !== 'number' || !(progress >= 0 && progress <= 1))
    throw badRequest({ progress: 'A number from 0 to 1 is required.' });
  ar.progress = progress;
  ar.leaseUntil = Date.now() + functionsOf(ctx.emu).leaseMs;
  ctx.empty(200);
}

async function complete(ctx: Ctx): Promise<void> {
  const { ar, body } = await heldRequest(ctx);
  const annotations = asObject(body['annotations'] ?? null, 'annotations');
  const task = ctx.emu.state.tasks.get(ar.params.task);
  if (!task) throw badRequest({ annotations: 'The task of this request no longer exists.' });
  const data = parseData(ctx, { task }, annotations, 'create');
  if (ar.params.type === 'annotate_task') applyToTask(ctx, task, data, ar.cleanup);
  else ar.result = { shapes: data.shapes, tags: data.tags };
  functionsOf(ctx.emu).end(ar, 'finished');
  ctx.empty(200);
}

/** A request's result lands in its task: added, or replacing what was there (`cleanup`). */
export function applyToTask(
  ctx: Ctx,
  task: TaskRec,
  data: ReturnType<typeof parseData>,
  cleanup: boolean,
): void {
  if (cleanup) {
    replaceAnnotations(ctx, { task }, data);
    return;
  }
  const current = ctx.emu.state.annotationsOf(task.id);
  for (const kind of ['tags', 'shapes', 'tracks'] as const) {
    for (const o of data[kind]) assignIds(ctx, kind, o, true);
    current[kind].push(...data[kind]);
  }
  current.version += 1;
}

async function fail(ctx: Ctx): Promise<void> {
  const { ar, body } = await heldRequest(ctx);
  const message = optString(body, 'exc_info') ?? 'Unknown error';
  functionsOf(ctx.emu).end(ar, 'failed', message);
  ctx.empty(200);
}

export function registerFunctions(emu: Emulator): void {
  emu.router
    .add('POST', '/api/functions', createFunction)
    .add('GET', '/api/functions/:id', (ctx) => ctx.json(200, functionJson(getFunction(ctx, ctx.param('id')))))
    .add('DELETE', '/api/functions/:id', deleteFunction)
    .add('POST', '/api/functions/queues/:queue/requests/acquire', acquire)
    .add('POST', '/api/functions/queues/:queue/requests/:ar/update', update)
    .add('POST', '/api/functions/queues/:queue/requests/:ar/complete', complete)
    .add('POST', '/api/functions/queues/:queue/requests/:ar/fail', fail);
}

/** Checks that a task exists and is visible, for a request on it. */
export function requestTask(ctx: Ctx, id: unknown): TaskRec {
  if (typeof id !== 'number' || !Number.isInteger(id)) throw badRequest({ task: 'This field is required.' });
  return getTask(ctx, id);
}
