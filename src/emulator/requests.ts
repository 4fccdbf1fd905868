import type { Ctx } from './context';
import { badRequest, detail, HttpError, notFound } from './errors';
import { list } from './listing';
import type { ListSpec } from './listing';
import type { RequestOperation, RequestRec } from './model';
import { now } from './model';
import type { Emulator } from './server';
import { Serializer } from './serialize';

export interface WorkResult {
  result_id?: number;
  result_file?: string;
  result_filename?: string;
  result_path?: string;
}

export interface Progress {
  (progress: number, message?: string): Promise<void>;
}

export type Work = (progress: Progress) => Promise<WorkResult | void>;

/** The failure message of a request: CVAT shows the exception's text. */
export class RequestFailure extends Error {}

/** CVAT-style request id: readable, deterministic for one operation on one object. */
export function rqId(parts: Record<string, string | number | null | undefined>): string {
  return Object.entries(parts)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${String(v).replace(/ /g, '_').replace(/\./g, '~')}`)
    .join('&');
}

/**
 * Enqueues a server-side request (the RQ job of CVAT): `queued`, then `started` after the
 * processing delay with progress reported by the work, then `finished` or `failed`.
 * A request with the same id still running answers 409 with its id, as CVAT does.
 */
export function enqueue(
  ctx: Ctx,
  id: string,
  operation: Partial<RequestOperation> & { type: string; target: string },
  work: Work,
): RequestRec {
  const emu = ctx.emu;
  const existing = emu.state.requests.get(id);
  if (existing && (existing.status === 'queued' || existing.status === 'started')) {
    throw new HttpError(409, { rq_id: id });
  }
  const orgId = ctx.org.kind === 'org' ? ctx.org.org.id : null;
  const rec: RequestRec = {
    id,
    status: 'queued',
    message: '',
    progress: 0,
    operation: {
      type: operation.type,
      target: operation.target,
      project_id: operation.project_id ?? null,
      task_id: operation.task_id ?? null,
      job_id: operation.job_id ?? null,
      org_id: operation.org_id ?? orgId,
      format: operation.format ?? null,
      function_id: null,
    },
    created_date: now(),
    started_date: null,
    finished_date: null,
    expiry_date: null,
    owner_id: ctx.requireUser().id,
    result_path: null,
    result_id: null,
    result_file: null,
    result_filename: null,
    cancelled: false,
  };
  emu.state.requests.set(id, rec);
  const delay = emu.processingDelayMs;
  emu.later(delay, () => {
    if (rec.cancelled) return;
    rec.status = 'started';
    rec.started_date = now();
    rec.progress = 0;
    // Pauses about ten times per request, so pollers can watch progress without big tasks crawling.
    let pausedAt = 0;
    const progress: Progress = async (p, message) => {
      rec.progress = Math.max(rec.progress ?? 0, Math.min(1, p));
      if (message !== undefined) rec.message = message;
      if (delay > 0 && rec.progress - pausedAt >= 0.1) {
        pausedAt = rec.progress;
        await emu.sleep(Math.min(delay, 50));
      }
    };
    work(progress).then(
      (result) => {
        if (emu.isClosed) return;
        rec.status = 'finished';
        rec.progress = 1;
        rec.message = '';
        rec.finished_date = now();
        rec.expiry_date = new Date(Date.now() + 864e5).toISOString();
        if (result) {
          rec.result_id = result.result_id ?? null;
          rec.result_file = result.result_file ?? null;
          rec.result_filename = result.result_filename ?? null;
          rec.result_path = result.result_path ?? null;
        }
      },
      (e: unknown) => {
        if (emu.isClosed) return;
        rec.status = 'failed';
        rec.finished_date = now();
        rec.expiry_date = new Date(Date.now() + 864e5).toISOString();
        rec.message =
          e instanceof RequestFailure || e instanceof HttpError
            ? e.message
            : `Internal error: ${e instanceof Error ? e.message : String(e)}`;
        if (!(e instanceof RequestFailure) && !(e instanceof HttpError)) emu.reportError(e);
      },
    );
  });
  return rec;
}

function visible(ctx: Ctx, r: RequestRec): boolean {
  const me = ctx.requireUser();
  return r.owner_id === me.id;
}

const action = (r: RequestRec): string | null => r.operation.type.split(':')[0] ?? null;
// RequestViewSet (schema.yml /api/requests): its filter and ordering fields.
const spec: ListSpec<RequestRec> = {
  fields: {
    status: (r) => r.status,
    action,
    target: (r) => r.operation.target,
    subresource: (r) => r.operation.type.split(':')[1] ?? null,
    format: (r) => r.operation.format,
    project_id: (r) => r.operation.project_id,
    task_id: (r) => r.operation.task_id,
    job_id: (r) => r.operation.job_id,
    org_id: (r) => r.operation.org_id,
  },
  sortFields: { action, created_date: (r) => r.created_date, status: (r) => r.status },
  simple: ['status', 'action', 'target', 'subresource', 'format', 'project_id', 'task_id', 'job_id'],
  search: [],
  defaultSort: '-created_date',
  nonModel: true,
};

export function registerRequests(emu: Emulator): void {
  emu.router
    .add('GET', '/api/requests', (ctx) => {
      const items = [...ctx.emu.state.requests.values()].filter(
        (r) => visible(ctx, r) && ctx.emu.orgs.inContext(ctx, r.operation.org_id),
      );
      const s = new Serializer(ctx);
      list(ctx, items, spec, (r) => s.request(r));
    })
    .add('GET', '/api/requests/:rq', (ctx) => {
      const r = ctx.emu.state.requests.get(ctx.params.rq ?? '');
      if (!r || !visible(ctx, r)) throw notFound();
      ctx.json(200, new Serializer(ctx).request(r));
    })
    .add('POST', '/api/requests/:rq/cancel', (ctx) => {
      const r = ctx.emu.state.requests.get(ctx.params.rq ?? '');
      if (!r || !visible(ctx, r)) throw notFound();
      if (r.status !== 'queued')
        throw badRequest(
          `Only requests that have not yet been started can be cancelled. The current status is "${r.status}".`,
        );
      r.cancelled = true;
      ctx.emu.state.requests.delete(r.id);
      ctx.empty(200);
    });
}

export function requireFinished(r: RequestRec | undefined): RequestRec {
  if (!r) throw detail(404, 'Not found.');
  return r;
}
