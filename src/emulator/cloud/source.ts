import { copyFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Ctx } from '../context';
import { badRequest } from '../errors';
import type { JsonObject } from '../model';
import type { UploadedFile } from '../data/uploads';
import { ownedVisible } from '../parity-access';
import { checkedJoin } from './paths';
import { cloudStore } from './store';

/** The request's query as the params an upload's finish step gets. */
export function queryParams(ctx: Ctx): JsonObject {
  const params: JsonObject = {};
  for (const [k, v] of ctx.query) params[k] = v;
  return params;
}

/**
 * For `location=cloud_storage`: the file named by `filename` in the bucket of `cloud_storage_id`,
 * copied into a fresh temporary folder (imports write next to their file, never into the bucket).
 * Undefined when the location is local (the default here: the client names it when it matters).
 */
export function cloudSource(ctx: Ctx): UploadedFile | undefined {
  const location = ctx.query.get('location');
  if (location === null || location === '' || location === 'local') return undefined;
  if (location !== 'cloud_storage') throw badRequest({ location: `"${location}" is not a valid choice.` });
  const rawId = ctx.query.get('cloud_storage_id');
  if (rawId === null || rawId === '')
    throw badRequest(
      'Cloud storage location was selected as the source, but cloud storage id was not specified',
    );
  const id = Number(rawId);
  const filename = ctx.query.get('filename');
  if (!filename) throw badRequest('The filename was not specified');
  const store = cloudStore(ctx.emu);
  const storage = Number.isInteger(id) ? store.storages.get(id) : undefined;
  if (!storage || !ownedVisible(ctx, storage.org_id, storage.owner_id))
    throw badRequest({ cloud_storage_id: `Invalid pk "${rawId}" - object does not exist.` });
  const bucket = checkedJoin(store.root, storage.resource);
  const path = checkedJoin(bucket, filename);
  if (!existsSync(path) || !statSync(path).isFile())
    throw badRequest(`The file '${filename}' was not found on the '${storage.resource}' cloud storage`);
  const copy = join(mkdtempSync(join(ctx.emu.state.tempDir, 'cloud-import-')), basename(path));
  copyFileSync(path, copy);
  return { name: basename(filename), path: copy };
}
