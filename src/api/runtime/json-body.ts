import { UsageError } from '../../errors';
import type { JsonValue } from '../../transport/types';

/** Checks that a request body is JSON data (no files, functions, NaN…), naming the first bad path. */
export function toJsonBody(value: unknown, operationId: string): JsonValue {
  const problem = findNonJson(value, 'body');
  if (problem !== undefined || !isJsonValue(value)) {
    throw new UsageError(
      `${operationId}: the request body is not JSON data at ${problem ?? 'body'}; ` +
        'send files with { contentType: "multipart/form-data" }',
    );
  }
  return value;
}

function isJsonValue(value: unknown): value is JsonValue {
  return findNonJson(value, '') === undefined;
}

function findNonJson(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findNonJson(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const found = findNonJson(item, `${path}.${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return path;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
