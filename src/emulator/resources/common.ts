import { asObject, optEnum, optInt } from '../body';
import { cloudStore } from '../cloud/store';
import type { Ctx } from '../context';
import { badRequest } from '../errors';
import type { Json, StorageRec } from '../model';

/** Parses a StorageRequest field (`{location, cloud_storage_id}`). */
export function storage(ctx: Ctx, raw: Json | undefined, field: string): StorageRec | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  const o = asObject(raw, field);
  const location = optEnum(o, 'location', ['local', 'cloud_storage'] as const) ?? 'local';
  const cloud = optInt(o, 'cloud_storage_id') ?? null;
  if (location === 'cloud_storage') {
    if (cloud === null)
      throw badRequest({
        [field]: 'Cloud storage was selected as location but cloud_storage_id was not specified',
      });
    if (!cloudStore(ctx.emu).storages.has(cloud))
      throw badRequest({ [field]: `Invalid pk "${cloud}" - object does not exist.` });
  }
  return { id: ctx.emu.state.nextId('storage'), location, cloud_storage_id: cloud };
}

/** Resolves a user id given in a write request. */
export function userId(ctx: Ctx, raw: number | null | undefined, field: string): number | null | undefined {
  if (raw === undefined || raw === null) return raw;
  if (!ctx.emu.state.users.has(raw))
    throw badRequest({ [field]: `Invalid pk "${raw}" - object does not exist.` });
  return raw;
}
