import { asObject, optEnum, optInt } from '../body';
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
    // Stricter than a plain id: the cloud storage must exist (the emulator's are local folders).
    if (cloud === null || !ctx.emu.state.cloudStorages.has(cloud))
      throw badRequest({
        [field]: 'Cloud storage was selected but cloud_storage_id names no cloud storage.',
      });
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
