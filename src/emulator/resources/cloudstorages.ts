import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { asObject, optArray, optEnum, optString } from '../body';
import { checkedJoin } from '../cloud/paths';
import { CREDENTIALS, PROVIDERS, cloudStore } from '../cloud/store';
import type { CloudStorageRec, CloudStore } from '../cloud/store';
import type { Ctx } from '../context';
import { probeFile, mimeOf } from '../data/media';
import { badRequest, detail, notFound } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { JsonObject } from '../model';
import { now } from '../model';
import { ownedVisible, requireOwnerOrOrgAdmin } from '../parity-access';
import { Serializer } from '../serialize';
import type { Emulator } from '../server';

/** Which credential fields each credentials type needs (CVAT's CloudStorageWriteSerializer). */
const NEEDED: Record<CloudStorageRec['credentials_type'], readonly string[]> = {
  KEY_SECRET_KEY_PAIR: ['key', 'secret_key'],
  ACCOUNT_NAME_TOKEN_PAIR: ['account_name', 'session_token'],
  KEY_FILE_PATH: ['key_file'],
  ANONYMOUS_ACCESS: [],
  CONNECTION_STRING: ['connection_string'],
};
const LIMITS: Record<string, number> = {
  resource: 222,
  display_name: 63,
  session_token: 440,
  account_name: 24,
  key: 40,
  secret_key: 64,
  connection_string: 1024,
  specific_attributes: 1024,
};
const CREDENTIAL_FIELDS = [
  'session_token',
  'account_name',
  'key',
  'secret_key',
  'connection_string',
  'key_file',
];

const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 10_000;

function visible(ctx: Ctx, s: CloudStorageRec): boolean {
  return ownedVisible(ctx, s.org_id, s.owner_id);
}

function getStorage(ctx: Ctx, store: CloudStore, id: number): CloudStorageRec {
  const s = store.storages.get(id);
  if (!s || !visible(ctx, s)) throw notFound();
  return s;
}

/** The folder of a storage's bucket (404-free: a missing folder is the NOT_FOUND status). */
export function bucketPath(store: CloudStore, s: CloudStorageRec): string {
  return checkedJoin(store.root, s.resource);
}

function bucketExists(store: CloudStore, s: CloudStorageRec): boolean {
  try {
    return statSync(bucketPath(store, s)).isDirectory();
  } catch {
    return false;
  }
}

function wire(ctx: Ctx, s: CloudStorageRec): JsonObject {
  return {
    id: s.id,
    owner: new Serializer(ctx).basicUser(s.owner_id) as JsonObject | null,
    manifests: s.manifests,
    created_date: s.created_date,
    updated_date: s.updated_date,
    provider_type: s.provider_type,
    resource: s.resource,
    display_name: s.display_name,
    credentials_type: s.credentials_type,
    specific_attributes: s.specific_attributes,
    description: s.description,
    organization: s.org_id,
  };
}

function spec(ctx: Ctx): ListSpec<CloudStorageRec> {
  const users = ctx.emu.state.users;
  return {
    fields: {
      id: (s) => s.id,
      provider_type: (s) => s.provider_type,
      name: (s) => s.display_name,
      resource: (s) => s.resource,
      credentials_type: (s) => s.credentials_type,
      owner: (s) => users.get(s.owner_id)?.username ?? null,
      description: (s) => s.description,
    },
    simple: ['provider_type', 'name', 'resource', 'credentials_type', 'owner'],
    search: ['provider_type', 'name', 'resource', 'credentials_type', 'owner', 'description'],
    defaultSort: '-id',
  };
}

function limited(o: JsonObject, k: string): string | undefined {
  const v = optString(o, k);
  const max = LIMITS[k];
  if (v !== undefined && max !== undefined && v.length > max)
    throw badRequest({ [k]: `Ensure this field has no more than ${max} characters.` });
  return v;
}

function checkManifests(store: CloudStore, s: CloudStorageRec, manifests: string[]): void {
  for (const m of manifests) {
    if (m === '' || m.length > 1024) throw badRequest({ manifests: 'Invalid manifest path.' });
    const path = checkedJoin(bucketPath(store, s), m);
    if (!existsSync(path))
      throw badRequest({ manifests: `The '${m}' file does not exist on '${s.resource}' cloud storage` });
  }
}

/** The credentials a write request gives, checked against the credentials type. */
function credentialsOf(o: JsonObject, type: CloudStorageRec['credentials_type']): Record<string, string> {
  const given: Record<string, string> = {};
  for (const k of CREDENTIAL_FIELDS) {
    const v = limited(o, k);
    if (v !== undefined && v !== '') given[k] = v;
  }
  for (const k of NEEDED[type]) {
    if (given[k] === undefined) throw badRequest({ [k]: `This field is required for ${type} credentials.` });
  }
  return given;
}

async function create(ctx: Ctx, store: CloudStore): Promise<void> {
  const user = ctx.requireUser();
  const o = asObject(await ctx.readJson());
  const provider = optEnum(o, 'provider_type', PROVIDERS);
  const credentialsType = optEnum(o, 'credentials_type', CREDENTIALS);
  const resource = limited(o, 'resource');
  const name = limited(o, 'display_name');
  const missing = Object.entries({
    provider_type: provider,
    credentials_type: credentialsType,
    resource,
    display_name: name,
  })
    .filter(([, v]) => v === undefined || v === '')
    .map(([k]) => k);
  if (missing.length)
    throw badRequest(Object.fromEntries(missing.map((k) => [k, 'This field is required.'])));
  if (resource!.includes('/')) throw badRequest({ resource: 'The bucket name must not contain "/".' });
  const orgId = ctx.emu.orgs.createIn(ctx);
  if (orgId !== null) {
    const role = ctx.emu.state.membershipOf(user.id, orgId)?.role;
    if (!user.is_superuser && role !== 'owner' && role !== 'maintainer')
      throw detail(403, 'You do not have permission to perform this action.');
  }
  const t = now();
  const rec: CloudStorageRec = {
    id: 0,
    provider_type: provider!,
    resource: resource!,
    display_name: name!,
    credentials_type: credentialsType!,
    credentials: credentialsOf(o, credentialsType!),
    specific_attributes: limited(o, 'specific_attributes') ?? '',
    description: optString(o, 'description') ?? '',
    manifests: (optArray(o, 'manifests') ?? []).map(String),
    owner_id: user.id,
    org_id: orgId,
    created_date: t,
    updated_date: t,
  };
  if (!bucketExists(store, rec))
    throw badRequest({ resource: `The resource ${rec.resource} not found. It may have been deleted.` });
  checkManifests(store, rec, rec.manifests);
  rec.id = store.nextId();
  store.storages.set(rec.id, rec);
  ctx.json(201, wire(ctx, rec));
}

async function update(ctx: Ctx, store: CloudStore, s: CloudStorageRec): Promise<void> {
  requireOwnerOrOrgAdmin(ctx, s.org_id, s.owner_id);
  const o = asObject(await ctx.readJson());
  for (const k of ['provider_type', 'resource'] as const) {
    if (o[k] !== undefined && o[k] !== s[k])
      throw badRequest({ [k]: 'The emulator cannot move a cloud storage to another bucket or provider.' });
  }
  const name = limited(o, 'display_name');
  if (name === '') throw badRequest({ display_name: 'This field may not be blank.' });
  const credentialsType = optEnum(o, 'credentials_type', CREDENTIALS);
  const manifests = optArray(o, 'manifests')?.map(String);
  if (manifests) checkManifests(store, s, manifests);
  const credentials =
    credentialsType !== undefined
      ? credentialsOf(o, credentialsType)
      : { ...s.credentials, ...credentialsOf(o, 'ANONYMOUS_ACCESS') };
  if (name !== undefined) s.display_name = name;
  if (credentialsType !== undefined) s.credentials_type = credentialsType;
  s.credentials = credentials;
  const attributes = limited(o, 'specific_attributes');
  if (attributes !== undefined) s.specific_attributes = attributes;
  const description = optString(o, 'description');
  if (description !== undefined) s.description = description;
  if (manifests) s.manifests = manifests;
  s.updated_date = now();
  ctx.json(200, wire(ctx, s));
}

/** CVAT's coarse kinds of files in a bucket listing (`get_mime`): image, video, archive, … */
function kindOf(name: string): string {
  const mime = mimeOf(name);
  if (mime.startsWith('image/')) return 'image';
  if (/\.(mp4|avi|mov|mkv|webm)$/i.test(name)) return 'video';
  if (/\.(zip|tar|gz|tgz|7z|rar)$/i.test(name)) return 'archive';
  if (/\.pdf$/i.test(name)) return 'pdf';
  return 'unknown';
}

/**
 * `content-v2`: one level of the bucket under `prefix` (a folder path, optionally followed by
 * the start of names), folders first, names in order, `page_size` entries a page, `next` the
 * token of the following page.
 */
function content(ctx: Ctx, store: CloudStore, s: CloudStorageRec): void {
  if (ctx.query.get('manifest_path'))
    throw badRequest({ manifest_path: 'The emulator lists buckets without manifests.' });
  const rawSize = ctx.query.get('page_size');
  const pageSize = rawSize === null || rawSize === '' ? DEFAULT_PAGE_SIZE : Number(rawSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw badRequest({ page_size: `Ensure this value is between 1 and ${MAX_PAGE_SIZE}.` });
  if (!bucketExists(store, s))
    throw badRequest({ resource: `The resource ${s.resource} not found. It may have been deleted.` });
  const prefix = ctx.query.get('prefix') ?? '';
  const cut = prefix.lastIndexOf('/');
  const folder = cut < 0 ? '' : prefix.slice(0, cut);
  const start = prefix.slice(cut + 1);
  const dir = checkedJoin(bucketPath(store, s), folder);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  const entries = names
    .filter((n) => n.startsWith(start))
    .map((n) => ({ name: n, dir: statSync(join(dir, n)).isDirectory() }))
    .sort((a, b) => Number(b.dir) - Number(a.dir) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const token = ctx.query.get('next_token');
  const offset = token === null || token === '' ? 0 : Number(token);
  if (!Number.isInteger(offset) || offset < 0 || offset > entries.length)
    throw badRequest({ next_token: 'Invalid continuation token.' });
  const page = entries.slice(offset, offset + pageSize);
  ctx.json(200, {
    content: page.map((e) =>
      e.dir
        ? { name: e.name, type: 'DIR', mime_type: 'DIR' }
        : { name: e.name, type: 'REG', mime_type: kindOf(e.name) },
    ),
    next: offset + pageSize < entries.length ? String(offset + pageSize) : null,
  });
}

/** Every file of a folder, in name order, with its path relative to the bucket. */
function walk(dir: string, rel = ''): Array<{ name: string; path: string }> {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const path = join(dir, n);
      const name = rel ? `${rel}/${n}` : n;
      return statSync(path).isDirectory() ? walk(path, name) : [{ name, path }];
    });
}

/** The bucket's files named by `server_files` (folders expanded), for task data from a cloud storage. */
export function cloudFiles(
  ctx: Ctx,
  storageId: number,
  entries: readonly string[],
): Array<{ name: string; path: string }> {
  const store = cloudStore(ctx.emu);
  const s = store.storages.get(storageId);
  if (!s || !visible(ctx, s))
    throw badRequest({ cloud_storage_id: `Invalid pk "${storageId}" - object does not exist.` });
  if (!bucketExists(store, s))
    throw badRequest({ cloud_storage_id: `The resource ${s.resource} not found. It may have been deleted.` });
  const root = bucketPath(store, s);
  return entries.flatMap((entry) => {
    const path = checkedJoin(root, entry);
    if (!existsSync(path))
      throw badRequest({ server_files: `${entry} does not exist in the cloud storage.` });
    return statSync(path).isDirectory() ? walk(path, entry.replace(/\/+$/, '')) : [{ name: entry, path }];
  });
}

async function preview(ctx: Ctx, store: CloudStore, s: CloudStorageRec): Promise<void> {
  if (!bucketExists(store, s))
    throw badRequest(`The resource ${s.resource} not found. It may have been deleted.`);
  for (const file of walk(bucketPath(store, s))) {
    const info = await probeFile(file.path);
    if (info) return ctx.send(200, readFileSync(file.path), { 'Content-Type': info.mime });
  }
  throw detail(404, 'The cloud storage does not contain any images.');
}

export function registerCloudStorages(emu: Emulator): void {
  const store = (): CloudStore => cloudStore(emu);
  emu.router
    .add('GET', '/api/cloudstorages', (ctx) => {
      const items = [...store().storages.values()].filter(
        (s) => visible(ctx, s) && ctx.emu.orgs.inContext(ctx, s.org_id),
      );
      list(ctx, items, spec(ctx), (s) => wire(ctx, s));
    })
    .add('POST', '/api/cloudstorages', (ctx) => create(ctx, store()))
    .add('GET', '/api/cloudstorages/:id', (ctx) =>
      ctx.json(200, wire(ctx, getStorage(ctx, store(), ctx.param('id')))),
    )
    .add('PATCH', '/api/cloudstorages/:id', (ctx) =>
      update(ctx, store(), getStorage(ctx, store(), ctx.param('id'))),
    )
    .add('DELETE', '/api/cloudstorages/:id', (ctx) => {
      const s = getStorage(ctx, store(), ctx.param('id'));
      requireOwnerOrOrgAdmin(ctx, s.org_id, s.owner_id);
      store().storages.delete(s.id);
      ctx.empty(204);
    })
    .add('GET', '/api/cloudstorages/:id/status', (ctx) => {
      const s = getStorage(ctx, store(), ctx.param('id'));
      ctx.json(200, bucketExists(store(), s) ? 'AVAILABLE' : 'NOT_FOUND');
    })
    .add('GET', '/api/cloudstorages/:id/content-v2', (ctx) =>
      content(ctx, store(), getStorage(ctx, store(), ctx.param('id'))),
    )
    .add('GET', '/api/cloudstorages/:id/preview', (ctx) =>
      preview(ctx, store(), getStorage(ctx, store(), ctx.param('id'))),
    );
}
