import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { config as rxConfig, lastValueFrom, timeout, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { CvatError } from '../../src/errors';

/** Real CVAT responses to mutate (../shared/cvat/fixtures); a small stand-in when absent. */
export function seedBodies(): unknown[] {
  const dir = path.resolve(__dirname, '../../../shared/cvat/fixtures');
  const fallback = [
    { count: 1, next: null, previous: null, results: [{ id: 1, name: 'a' }] },
    { id: 1, name: 'task', status: 'annotation', size: 3 },
    { rq_id: 'x' },
    { key: 'abc' },
  ];
  if (!existsSync(dir)) return fallback;
  const out: unknown[] = [...fallback];
  for (const name of ['tasks.json', 'jobs.json', 'users.json', 'projects.json', 'labels.json']) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    const page = JSON.parse(readFileSync(file, 'utf8')) as { results?: unknown[] };
    out.push(page);
    if (Array.isArray(page.results) && page.results.length > 0) out.push(page.results[0]);
  }
  return out;
}

type Json = unknown;

/** Replaces, removes or adds one field somewhere in a JSON value. */
function mutate(value: Json, pathChoice: number[], replacement: Json, mode: 'set' | 'delete' | 'add'): Json {
  if (pathChoice.length === 0 || typeof value !== 'object' || value === null) return replacement;
  const [head, ...rest] = pathChoice;
  if (Array.isArray(value)) {
    if (value.length === 0) return mode === 'add' ? [replacement] : value;
    const i = head % value.length;
    const copy = [...value];
    if (rest.length === 0 && mode === 'delete') copy.splice(i, 1);
    else copy[i] = mutate(value[i], rest, replacement, mode);
    return copy;
  }
  const record = value as Record<string, Json>;
  const keys = Object.keys(record);
  if (keys.length === 0 || (rest.length === 0 && mode === 'add'))
    return { ...record, [`x_${head}`]: replacement };
  const key = keys[head % keys.length];
  const copy = { ...record };
  if (rest.length === 0 && mode === 'delete') delete copy[key];
  else copy[key] = mutate(record[key], rest, replacement, mode);
  return copy;
}

const hugeNumbers = fc.constantFrom(
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '9007199254740993',
  '-0',
  '0.000000000000000000000000000001',
  '1.7976931348623157e308',
);

/** JSON text with a huge or odd number somewhere (text, as JSON.stringify cannot write them). */
const jsonWithHugeNumber = fc
  .tuple(fc.constantFrom(...seedBodies()), hugeNumbers, fc.array(fc.nat(), { maxLength: 4 }))
  .map(([seed, number, where]) => {
    const marker = '"__NUMBER__"';
    return JSON.stringify(mutate(seed, where, '__NUMBER__', 'set')).replace(marker, number);
  });

const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => {
    const close = open === '[' ? ']' : '}';
    return open.repeat(depth) + '1' + (closed ? close.repeat(depth) : '');
  });

const jsonValue = fc.jsonValue({ maxDepth: 4 });

/** A mutated real response: one field of a wrong type, missing, or added. */
const mutatedSeed = fc
  .tuple(
    fc.constantFrom(...seedBodies()),
    fc.array(fc.nat(), { maxLength: 5 }),
    fc.oneof(jsonValue, fc.constant(null), fc.string(), fc.double()),
    fc.constantFrom('set' as const, 'delete' as const, 'add' as const),
  )
  .map(
    ([seed, where, replacement, mode]) => JSON.stringify(mutate(seed, where, replacement, mode)) ?? 'null',
  );

const truncated = fc
  .tuple(
    fc.oneof(
      mutatedSeed,
      jsonValue.map((v) => JSON.stringify(v) ?? ''),
    ),
    fc.double({ min: 0, max: 1 }),
  )
  .map(([text, cut]) => text.slice(0, Math.floor(text.length * cut)));

const oversized = fc
  .tuple(fc.integer({ min: 100_000, max: 400_000 }), fc.boolean())
  .map(([n, asList]) =>
    asList ? `{"count":${n},"next":null,"results":[${'1,'.repeat(n)}1]}` : `"${'x'.repeat(n * 4)}"`,
  );

const htmlPage = fc
  .string({ maxLength: 50 })
  .map((title) => `<!doctype html><html><head><title>${title}</title></head><body>Bad gateway</body></html>`);

/** Bytes that fast-check reports by a short summary instead of every byte. */
function summarized(bytes: Uint8Array): Uint8Array {
  const head = Buffer.from(bytes.subarray(0, 60)).toString('latin1');
  return Object.assign(bytes, {
    [fc.toStringMethod]: () => `bytes(${bytes.byteLength}: ${JSON.stringify(head)}…)`,
  });
}

/** Every kind of response body, as bytes. */
export const hostileBody: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    { weight: 3, arbitrary: mutatedSeed.map((s) => Buffer.from(s)) },
    { weight: 2, arbitrary: fc.constantFrom(...seedBodies()).map((s) => Buffer.from(JSON.stringify(s))) },
    { weight: 2, arbitrary: jsonValue.map((v) => Buffer.from(JSON.stringify(v) ?? '')) },
    { weight: 2, arbitrary: truncated.map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: jsonWithHugeNumber.map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: deepNesting.map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: htmlPage.map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    { weight: 1, arbitrary: fc.constant(Buffer.from('\ufeff{"detail": "BOM"}')) },
  )
  .map(summarized);

/** Oversized bodies, kept apart so that only a few cases pay for them. */
export const oversizedBody: fc.Arbitrary<Uint8Array> = oversized.map((s) => summarized(Buffer.from(s)));

export const hostileContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/vnd.cvat+json',
    'application/problem+json',
    'application/json; charset=utf-16',
    'text/html; charset=utf-8',
    'text/plain',
    'application/octet-stream',
    'application/zip',
    'multipart/form-data; boundary=x',
    '',
    'application/json, text/html',
    'APPLICATION/JSON',
  ),
  fc.constant(undefined),
  fc.string({ maxLength: 40 }),
);

export const hostileStatus: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(200, 201, 202) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      204,
      301,
      302,
      304,
      400,
      401,
      403,
      404,
      405,
      409,
      413,
      429,
      500,
      502,
      503,
      504,
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 999 }) },
);

const headerName = fc.oneof(
  fc.constantFrom(
    'retry-after',
    'set-cookie',
    'location',
    'content-length',
    'content-disposition',
    'upload-offset',
    'x-request-id',
    'www-authenticate',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);
const headerValue = fc.oneof(
  fc.constantFrom(
    '-1',
    '1e400',
    'Wed, 21 Oct 2015 07:28:00 GMT',
    'Thu, 01 Jan 2099 00:00:00 GMT',
    'NaN',
    'sessionid=; Path=/; Max-Age=-1',
    'csrftoken=abc; Domain=evil.example; Path=/',
    '../../etc/passwd',
    'attachment; filename="../../x"',
    '',
  ),
  fc.string({ maxLength: 60 }),
);

/** Response headers as the axios backend hands them over (lower-case names). */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .array(fc.tuple(headerName, headerValue), { maxLength: 6 })
  .map((pairs) => Object.fromEntries(pairs));

/**
 * Records what escapes a test: process `unhandledRejection`/`uncaughtException` and RxJS's
 * unhandled errors and stopped notifications. `stop()` restores everything and returns them.
 */
export function escapeRecorder(): { stop(): unknown[] } {
  const escaped: unknown[] = [];
  const onProcess = (error: unknown): void => void escaped.push(error);
  process.on('unhandledRejection', onProcess);
  process.on('uncaughtException', onProcess);
  const previousUnhandled = rxConfig.onUnhandledError;
  const previousStopped = rxConfig.onStoppedNotification;
  rxConfig.onUnhandledError = onProcess;
  rxConfig.onStoppedNotification = (notification) => {
    if (notification.kind === 'E') escaped.push(notification.error);
  };
  return {
    stop() {
      process.off('unhandledRejection', onProcess);
      process.off('uncaughtException', onProcess);
      rxConfig.onUnhandledError = previousUnhandled;
      rxConfig.onStoppedNotification = previousStopped;
      return escaped;
    },
  };
}

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/** Runs an operation to its end (bounded in time) and says how it ended. */
export async function outcomeOf(source: Observable<unknown>, limitMs: number): Promise<Outcome> {
  try {
    await lastValueFrom(source.pipe(timeout({ first: limitMs }), toArray()));
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Fails unless the operation ended with values or a CvatError. */
export function expectValueOrCvatError(outcome: Outcome, what: string): void {
  if (outcome.ok || outcome.error instanceof CvatError) return;
  const error = outcome.error;
  throw new Error(
    `${what}: ended with a non-CvatError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
}
