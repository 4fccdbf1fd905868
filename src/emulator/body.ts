import { badRequest, detail } from './errors';
import type { Json, JsonObject } from './model';

/** Small validators for request bodies: wrong types become CVAT-style 400 field errors. */
export function asObject(v: unknown, field = 'non_field_errors'): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw badRequest({ [field]: 'Invalid data. Expected a dictionary.' });
  return v as JsonObject;
}

export function reqString(o: JsonObject, k: string): string {
  const v = o[k];
  if (v === undefined || v === null) throw badRequest({ [k]: 'This field is required.' });
  if (typeof v !== 'string') throw badRequest({ [k]: 'Not a valid string.' });
  if (v.trim() === '') throw badRequest({ [k]: 'This field may not be blank.' });
  return v;
}

export function optString(o: JsonObject, k: string): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest({ [k]: 'Not a valid string.' });
  return v;
}

export function optInt(o: JsonObject, k: string): number | null | undefined {
  const v = o[k];
  if (v === undefined || v === null) return v as null | undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw badRequest({ [k]: 'A valid integer is required.' });
  return n;
}

export function reqInt(o: JsonObject, k: string): number {
  const v = optInt(o, k);
  if (v === undefined || v === null) throw badRequest({ [k]: 'This field is required.' });
  return v;
}

export function optBool(o: JsonObject, k: string): boolean | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (v === true || v === 'true' || v === 'True') return true;
  if (v === false || v === 'false' || v === 'False') return false;
  throw badRequest({ [k]: 'Must be a valid boolean.' });
}

export function optArray(o: JsonObject, k: string): Json[] | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest({ [k]: 'Expected a list of items.' });
  return v;
}

export function optEnum<T extends string>(o: JsonObject, k: string, values: readonly T[]): T | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
    throw badRequest({ [k]: `"${String(v)}" is not a valid choice.` });
  return v as T;
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw detail(400, `JSON parse error - ${(e as Error).message}`);
  }
}
