import * as t from 'io-ts';
import type { ReadableLike } from '../transport/types';

/**
 * OpenAPI `integer`: a plain `number` that must be a whole number. Unbranded on purpose, so users
 * can pass `task.id + 1` without a cast; the check still catches `"12"` or `1.5` from a server.
 */
export const Integer = new t.Type<number, number, unknown>(
  'integer',
  (u): u is number => typeof u === 'number' && Number.isInteger(u),
  (u, c) => (typeof u === 'number' && Number.isInteger(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
export type Integer = t.TypeOf<typeof Integer>;

/** File content for `format: binary` fields and responses: a Blob or File, bytes, or a Node stream. */
export type BinaryData = Blob | Uint8Array | ArrayBuffer | ReadableLike;

export function isBinaryData(u: unknown): u is BinaryData {
  if (typeof Blob !== 'undefined' && u instanceof Blob) return true;
  if (u instanceof Uint8Array || u instanceof ArrayBuffer) return true;
  return isReadableLike(u);
}

export function isReadableLike(u: unknown): u is ReadableLike {
  return (
    typeof u === 'object' &&
    u !== null &&
    typeof Reflect.get(u, 'pipe') === 'function' &&
    typeof Reflect.get(u, 'on') === 'function'
  );
}

/** OpenAPI `string` with `format: binary`. */
export const Binary = new t.Type<BinaryData, BinaryData, unknown>(
  'binary',
  isBinaryData,
  (u, c) => (isBinaryData(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
export type Binary = t.TypeOf<typeof Binary>;

/** The body of a response the document declares without content (204, or a file it does not describe). */
export const NoContent = new t.Type<undefined, undefined, unknown>(
  'NoContent',
  (u): u is undefined => u === undefined,
  () => t.success(undefined),
  () => undefined,
);
