import { UsageError } from '../errors';
import type { JsonValue } from '../transport/types';

/**
 * Turns a spec into JSON data for a request body: dates become ISO strings, `undefined` members are
 * dropped, anything JSON cannot carry (functions, symbols, bigints, cycles) is a `UsageError`.
 */
export function toJson(value: unknown, path = '<root>', seen: ReadonlySet<object> = new Set()): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UsageError(`${path}: ${value} is not a JSON number`);
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    if (seen.has(value)) throw new UsageError(`${path}: circular reference`);
    const inner = new Set(seen).add(value);
    if (Array.isArray(value)) return value.map((item: unknown, i) => toJson(item, `${path}.${i}`, inner));
    const out: Record<string, JsonValue> = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) out[key] = toJson(member, `${path}.${key}`, inner);
    }
    return out;
  }
  throw new UsageError(`${path}: a ${typeof value} cannot be sent as JSON`);
}
