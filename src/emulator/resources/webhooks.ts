import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { getProject } from '../access';
import { canSeeProject, requireOwnerOrOrgAdmin, requireProjectEditor } from '../parity-access';
import { asObject, optArray, optBool, optEnum, optInt, optString } from '../body';
import type { Ctx } from '../context';
import { badRequest, detail, notFound } from '../errors';
import { list, paginate } from '../listing';
import type { ListSpec } from '../listing';
import type { Json, JsonObject } from '../model';
import { now } from '../model';
import { Serializer } from '../serialize';
import type { Emulator } from '../server';
import type { State } from '../state';

/** CVAT's webhook events (EventsEnum of the 2.73.1 schema). */
const ALL_EVENTS = [
  'completed:request[calculate:quality]',
  'completed:request[create:task]',
  'completed:request[export:annotations]',
  'completed:request[export:backup]',
  'completed:request[export:dataset]',
  'completed:request[merge:job]',
  'completed:request[merge:task]',
  'create:comment',
  'create:invitation',
  'create:issue',
  'create:job',
  'create:membership',
  'create:project',
  'create:task',
  'delete:comment',
  'delete:invitation',
  'delete:issue',
  'delete:job',
  'delete:membership',
  'delete:project',
  'delete:task',
  'update:comment',
  'update:issue',
  'update:job',
  'update:membership',
  'update:organization',
  'update:project',
  'update:task',
] as const;
/** A project webhook hears nothing of the organization's members, invitations or settings. */
const PROJECT_EVENTS = ALL_EVENTS.filter((e) => !/membership|invitation|organization|create:project/.test(e));

/** The resource an event is about, as a display name: `create:task` → `Task`, requests → `Request`. */
function groupOf(key: string): string {
  const resource = key.startsWith('completed:request') ? 'request' : (key.split(':')[1] ?? key);
  return resource.charAt(0).toUpperCase() + resource.slice(1);
}

/** How long a delivery may take, and how much of the answer is kept (CVAT's limits). */
const DELIVERY_TIMEOUT_MS = 10_000;
const RESPONSE_LIMIT = 1024 * 1024;

interface WebhookRec {
  id: number;
  target_url: string;
  description: string;
  type: 'organization' | 'project';
  content_type: 'application/json';
  secret: string;
  is_active: boolean;
  enable_ssl: boolean;
  project_id: number | null;
  org_id: number | null;
  owner_id: number;
  events: string[];
  created_date: string;
  updated_date: string;
}

interface DeliveryRec {
  id: number;
  webhook_id: number;
  event: string;
  status_code: number | null;
  redelivery: boolean;
  request: JsonObject;
  response: string;
  created_date: string;
  updated_date: string;
}

interface WebhookStore {
  readonly webhooks: Map<number, WebhookRec>;
  readonly deliveries: Map<number, DeliveryRec>;
  lastWebhook: number;
  lastDelivery: number;
}

const stores = new WeakMap<State, WebhookStore>();

function webhookStore(state: State): WebhookStore {
  let store = stores.get(state);
  if (!store) {
    store = { webhooks: new Map(), deliveries: new Map(), lastWebhook: 0, lastDelivery: 0 };
    stores.set(state, store);
  }
  return store;
}

function canSee(ctx: Ctx, w: WebhookRec): boolean {
  if (w.project_id !== null) {
    const p = ctx.emu.state.projects.get(w.project_id);
    return p !== undefined && canSeeProject(ctx, p);
  }
  const user = ctx.requireUser();
  if (user.is_superuser) return true;
  const role = w.org_id === null ? undefined : ctx.emu.state.membershipOf(user.id, w.org_id)?.role;
  return w.owner_id === user.id || role === 'owner' || role === 'maintainer';
}

function getWebhook(ctx: Ctx, store: WebhookStore): WebhookRec {
  const w = store.webhooks.get(ctx.param('id'));
  if (!w || !canSee(ctx, w)) throw notFound();
  return w;
}

function wire(ctx: Ctx, store: WebhookStore, w: WebhookRec): JsonObject {
  const last = [...store.deliveries.values()]
    .filter((d) => d.webhook_id === w.id)
    .sort((a, b) => b.id - a.id)[0];
  return {
    id: w.id,
    url: ctx.abs(`/api/webhooks/${w.id}`),
    target_url: w.target_url,
    description: w.description,
    type: w.type,
    content_type: w.content_type,
    is_active: w.is_active,
    enable_ssl: w.enable_ssl,
    created_date: w.created_date,
    updated_date: w.updated_date,
    owner: new Serializer(ctx).basicUser(w.owner_id) as JsonObject | null,
    project_id: w.project_id,
    organization: w.org_id,
    events: w.events,
    ...(last ? { last_status: last.status_code ?? 0, last_delivery_date: last.updated_date } : {}),
  };
}

function deliveryWire(d: DeliveryRec): JsonObject {
  return {
    id: d.id,
    webhook_id: d.webhook_id,
    event: d.event,
    status_code: d.status_code,
    redelivery: d.redelivery,
    attempt: null,
    request_duration: null,
    created_date: d.created_date,
    updated_date: d.updated_date,
    changed_fields: '',
    request: d.request,
    response: d.response,
  };
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest({ target_url: 'Enter a valid URL.' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw badRequest({ target_url: 'Enter a valid URL.' });
}

function checkEvents(type: WebhookRec['type'], events: Json[]): string[] {
  const allowed: readonly string[] = type === 'project' ? PROJECT_EVENTS : ALL_EVENTS;
  const names = events.map(String);
  const wrong = names.filter((e) => !allowed.includes(e));
  if (wrong.length) throw badRequest({ events: `Unsupported events: ${wrong.join(', ')}` });
  return [...new Set(names)];
}

async function write(
  ctx: Ctx,
  store: WebhookStore,
  existing: WebhookRec | undefined,
  partial: boolean,
): Promise<void> {
  const user = ctx.requireUser();
  const o = asObject(await ctx.readJson());
  const required = (k: string) => !partial && o[k] === undefined;
  const missing = ['target_url', 'type', 'events'].filter(required);
  if (missing.length)
    throw badRequest(Object.fromEntries(missing.map((k) => [k, 'This field is required.'])));
  const targetUrl = optString(o, 'target_url');
  if (targetUrl !== undefined) {
    if (targetUrl === '' || targetUrl.length > 8192) throw badRequest({ target_url: 'Enter a valid URL.' });
    checkUrl(targetUrl);
  }
  const type = optEnum(o, 'type', ['organization', 'project'] as const) ?? existing?.type ?? 'organization';
  if (existing && type !== existing.type)
    throw badRequest({ type: 'The type of a webhook cannot be changed.' });
  optEnum(o, 'content_type', ['application/json'] as const);
  const description = optString(o, 'description');
  if (description !== undefined && description.length > 128)
    throw badRequest({ description: 'Ensure this field has no more than 128 characters.' });
  const secret = optString(o, 'secret');
  if (secret !== undefined && secret.length > 64)
    throw badRequest({ secret: 'Ensure this field has no more than 64 characters.' });
  const events = optArray(o, 'events');
  const projectId = existing ? existing.project_id : (optInt(o, 'project_id') ?? null);
  let orgId = existing ? existing.org_id : ctx.emu.orgs.createIn(ctx);
  if (!existing) {
    if (type === 'project') {
      if (projectId === null)
        throw badRequest({ project_id: 'This field is required for project webhooks.' });
      const p = getProject(ctx, projectId);
      requireProjectEditor(ctx, p);
      orgId = p.org_id;
    } else {
      if (projectId !== null) throw badRequest({ project_id: 'Organization webhooks have no project.' });
      if (orgId === null) throw detail(403, 'Organization webhooks can be created only in an organization.');
      const role = ctx.emu.state.membershipOf(user.id, orgId)?.role;
      if (!user.is_superuser && role !== 'owner' && role !== 'maintainer')
        throw detail(403, 'You do not have permission to perform this action.');
    }
  } else {
    requireOwnerOrOrgAdmin(ctx, existing.org_id, existing.owner_id);
  }
  const checkedEvents = events === undefined ? undefined : checkEvents(type, events);
  const t = now();
  const rec: WebhookRec = existing ?? {
    id: 0,
    target_url: targetUrl!,
    description: '',
    type,
    content_type: 'application/json',
    secret: '',
    is_active: true,
    enable_ssl: true,
    project_id: projectId,
    org_id: orgId,
    owner_id: user.id,
    events: [],
    created_date: t,
    updated_date: t,
  };
  if (targetUrl !== undefined) rec.target_url = targetUrl;
  if (description !== undefined) rec.description = description;
  if (secret !== undefined) rec.secret = secret;
  const active = optBool(o, 'is_active');
  if (active !== undefined) rec.is_active = active;
  const ssl = optBool(o, 'enable_ssl');
  if (ssl !== undefined) rec.enable_ssl = ssl;
  if (checkedEvents) rec.events = checkedEvents;
  rec.updated_date = t;
  if (!existing) {
    store.lastWebhook += 1;
    rec.id = store.lastWebhook;
    store.webhooks.set(rec.id, rec);
  }
  ctx.json(existing ? 200 : 201, wire(ctx, store, rec));
}

/**
 * POSTs a payload to the webhook's target as CVAT does (JSON, `X-Signature-256` HMAC of the body
 * with the secret, a 10 s limit) and records the delivery with the answer's status and text.
 */
async function deliver(
  store: WebhookStore,
  w: WebhookRec,
  event: string,
  payload: JsonObject,
  redelivery: boolean,
): Promise<DeliveryRec> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'User-Agent': 'CVAT-Webhooks (cvat-rx emulator)',
  };
  if (w.secret)
    headers['X-Signature-256'] = `sha256=${createHmac('sha256', w.secret).update(body).digest('hex')}`;
  const answer = await new Promise<{ status: number | null; text: string }>((resolve) => {
    const url = new URL(w.target_url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      { method: 'POST', headers, timeout: DELIVERY_TIMEOUT_MS, rejectUnauthorized: w.enable_ssl },
      (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_LIMIT) parts.push(chunk.subarray(0, RESPONSE_LIMIT - size));
          size += chunk.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? null, text: Buffer.concat(parts).toString('utf8') }),
        );
        res.on('error', () => resolve({ status: res.statusCode ?? null, text: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: null, text: '' }));
    req.end(body);
  });
  const t = now();
  store.lastDelivery += 1;
  const rec: DeliveryRec = {
    id: store.lastDelivery,
    webhook_id: w.id,
    event,
    status_code: answer.status,
    redelivery,
    request: payload,
    response: answer.text,
    created_date: t,
    updated_date: t,
  };
  store.deliveries.set(rec.id, rec);
  return rec;
}

function spec(ctx: Ctx): ListSpec<WebhookRec> {
  const users = ctx.emu.state.users;
  return {
    fields: {
      id: (w) => w.id,
      target_url: (w) => w.target_url,
      owner: (w) => users.get(w.owner_id)?.username ?? null,
      type: (w) => w.type,
      description: (w) => w.description,
      project_id: (w) => w.project_id,
      updated_date: (w) => w.updated_date,
    },
    simple: ['target_url', 'owner', 'type', 'project_id'],
    search: ['target_url', 'owner', 'type', 'description'],
    defaultSort: '-id',
  };
}

export function registerWebhooks(emu: Emulator): void {
  const store = (ctx: Ctx) => webhookStore(ctx.emu.state);
  emu.router
    .add('GET', '/api/webhooks', (ctx) => {
      const items = [...store(ctx).webhooks.values()].filter(
        (w) => canSee(ctx, w) && ctx.emu.orgs.inContext(ctx, w.org_id),
      );
      list(ctx, items, spec(ctx), (w) => wire(ctx, store(ctx), w));
    })
    .add('POST', '/api/webhooks', (ctx) => write(ctx, store(ctx), undefined, false))
    .add('GET', '/api/webhooks/events', (ctx) => {
      const type = ctx.query.get('type') ?? 'all';
      const events =
        type === 'all'
          ? ALL_EVENTS
          : type === 'project'
            ? PROJECT_EVENTS
            : type === 'organization'
              ? ALL_EVENTS
              : null;
      if (!events) return ctx.json(400, 'Incorrect value of type parameter');
      ctx.json(200, {
        webhook_type: type,
        events: events.map((key) => ({ key, group: { display_name: groupOf(key) } })),
      });
    })
    .add('GET', '/api/webhooks/:id', (ctx) =>
      ctx.json(200, wire(ctx, store(ctx), getWebhook(ctx, store(ctx)))),
    )
    .add('PUT', '/api/webhooks/:id', (ctx) => write(ctx, store(ctx), getWebhook(ctx, store(ctx)), false))
    .add('PATCH', '/api/webhooks/:id', (ctx) => write(ctx, store(ctx), getWebhook(ctx, store(ctx)), true))
    .add('DELETE', '/api/webhooks/:id', (ctx) => {
      const w = getWebhook(ctx, store(ctx));
      requireOwnerOrOrgAdmin(ctx, w.org_id, w.owner_id);
      store(ctx).webhooks.delete(w.id);
      for (const d of [...store(ctx).deliveries.values()])
        if (d.webhook_id === w.id) store(ctx).deliveries.delete(d.id);
      ctx.empty(204);
    })
    .add('GET', '/api/webhooks/:id/deliveries', (ctx) => {
      const w = getWebhook(ctx, store(ctx));
      const items = [...store(ctx).deliveries.values()]
        .filter((d) => d.webhook_id === w.id)
        .sort((a, b) =>
          a.updated_date < b.updated_date ? 1 : a.updated_date > b.updated_date ? -1 : b.id - a.id,
        );
      paginate(ctx, items, deliveryWire);
    })
    .add('GET', '/api/webhooks/:id/deliveries/:delivery_id', (ctx) => {
      const w = getWebhook(ctx, store(ctx));
      const d = store(ctx).deliveries.get(ctx.param('delivery_id'));
      if (!d || d.webhook_id !== w.id) throw notFound();
      ctx.json(200, deliveryWire(d));
    })
    .add('POST', '/api/webhooks/:id/deliveries/:delivery_id/redelivery', async (ctx) => {
      const w = getWebhook(ctx, store(ctx));
      const d = store(ctx).deliveries.get(ctx.param('delivery_id'));
      if (!d || d.webhook_id !== w.id) throw notFound();
      await deliver(store(ctx), w, d.event, d.request, true);
      ctx.json(200, {});
    })
    .add('POST', '/api/webhooks/:id/ping', async (ctx) => {
      const w = getWebhook(ctx, store(ctx));
      const payload: JsonObject = {
        event: 'ping',
        webhook: wire(ctx, store(ctx), w),
        sender: new Serializer(ctx).basicUser(ctx.requireUser().id) as JsonObject | null,
      };
      ctx.json(200, deliveryWire(await deliver(store(ctx), w, 'ping', payload, false)));
    });
}
