import fc from 'fast-check';
import { Observable } from 'rxjs';
import { makeClient } from '../../src/client';
import { ApiError, CvatError } from '../../src/errors';
import { fromLegacyStatus, fromRequestsApi } from '../../src/lifecycle/request-status';
import type { LegacyStatusInput, RequestsApiStatusInput } from '../../src/lifecycle/request-status';
import { paginate } from '../../src/pagination/paginate';
import type { Page } from '../../src/pagination/paginate';
import { fromBytes } from '../../src/transfer/source';
import { tusUpload } from '../../src/transfer/tus';
import { uploadSession } from '../../src/transfer/upload-session';
import { Configuration } from '../../src/transport/configuration';
import { parseRetryAfter } from '../../src/transport/retry';
import { apiErrorFrom, Transport } from '../../src/transport/transport';
import type { Handler, TransportEvent } from '../../src/transport/types';
import {
  escapeRecorder,
  expectValueOrCvatError,
  hostileHeaders,
  hostileStatus,
  outcomeOf as boundedOutcome,
} from './hostile';

/**
 * The client's own decoders fed random server answers (#14.10, client half): pagination,
 * request statuses, error bodies and Retry-After, and the upload protocol's responses (TUS and
 * bulk/session). Every outcome is a value or a CvatError, within a bounded number of requests
 * and a bounded time; nothing escapes as an unhandled rejection or error. A bounded slice runs
 * in `npm test`: CVAT_RX_FUZZ_CLIENT runs per property (default 150); CVAT_RX_FUZZ_SEED replays.
 */
const RUNS = Number(process.env['CVAT_RX_FUZZ_CLIENT'] ?? 150);
const SEED = Number(process.env['CVAT_RX_FUZZ_SEED'] ?? 20261202);
const options = { numRuns: RUNS, seed: SEED };

/** Any JSON-ish value a server might put in a field. */
const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 30 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), {
    maxKeys: 3,
  }),
);

/** Runs an operation to its end, for at most 2 s. */
const outcomeOf = (source: Observable<unknown>) => boundedOutcome(source, 2_000);

/** Calls `fn` and says whether it returned or threw a CvatError; anything else fails the property. */
function valueOrCvatError(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof CvatError) return;
    throw new Error(
      `${what}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
}

interface Scripted {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** A backend answering request n with `replies[n]` (the last repeats), counting requests. */
function scriptedBackend(replies: readonly Scripted[]): { backend: Handler; calls: () => number } {
  let calls = 0;
  const backend: Handler = (request) =>
    new Observable<TransportEvent>((subscriber) => {
      const reply = replies[Math.min(calls, replies.length - 1)]!;
      calls += 1;
      subscriber.next({ type: 'sent', attempt: 1 });
      subscriber.next({ type: 'response_headers', status: reply.status, headers: reply.headers });
      subscriber.next({
        type: 'response',
        response: {
          status: reply.status,
          statusText: '',
          headers: reply.headers,
          body: reply.body,
          method: request.method,
          url: request.url,
        },
      });
      subscriber.complete();
    });
  return { backend, calls: () => calls };
}

/** A transport on a scripted backend that never waits: Retry-After is capped at maxDelayMs = 0. */
function transportOn(backend: Handler): Transport {
  return new Transport(
    new Configuration({ host: 'http://cvat.test', retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } }),
    { backend },
  );
}

let recorder: ReturnType<typeof escapeRecorder>;
beforeAll(() => {
  recorder = escapeRecorder();
});
afterAll(() => {
  expect(recorder.stop()).toEqual([]);
});

describe('pagination over random pages', () => {
  const page: fc.Arbitrary<Page<unknown>> = fc.record({
    count: fc.oneof(fc.integer({ min: -3, max: 30 }), fc.constantFrom(Number.NaN, Infinity, -Infinity)),
    next: fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.constant('http://cvat.test/api/tasks?page=2'),
      fc.webUrl(),
      fc.string({ maxLength: 20 }),
    ),
    results: fc.array(fc.integer(), { maxLength: 3 }),
  });

  it('ends (values or a CvatError) within count + 2 requests, whatever the pages say', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(page, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 }),
        async (pages, prefetch) => {
          let asked = 0;
          const fetchPage = (n: number): Observable<Page<unknown>> =>
            new Observable((subscriber) => {
              asked += 1;
              // A fresh `next` per page number unless the script repeats one: the repeat rule is exercised too.
              const p = pages[Math.min(n - 1, pages.length - 1)]!;
              subscriber.next(n > pages.length && p.next ? { ...p, next: `${p.next}#${n}` } : p);
              subscriber.complete();
            });
          const outcome = await outcomeOf(paginate(fetchPage, { pageSize: 1, prefetch }));
          expectValueOrCvatError(outcome, 'paginate');
          const counts = pages.map((p) => p.count).filter((c) => Number.isFinite(c) && c >= 0);
          expect(asked).toBeLessThanOrEqual(Math.max(pages.length, Math.min(...counts, 40)) + 2 + prefetch);
        },
      ),
      options,
    );
  }, 60_000);

  it('client.tasks.list over random page bodies: values or a CvatError', async () => {
    const body = fc.record(
      {
        count: anything,
        next: anything,
        previous: anything,
        results: fc.oneof(anything, fc.array(anything, { maxLength: 2 })),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 4 }), async (bodies) => {
        const { backend, calls } = scriptedBackend(
          bodies.map((b) => ({ status: 200, headers: {}, body: b })),
        );
        const client = makeClient({
          host: 'http://cvat.test',
          config: { backend, logger: { warn: () => undefined }, transport: { retry: { maxAttempts: 1 } } },
        });
        expectValueOrCvatError(await outcomeOf(client.tasks.list()), 'tasks.list');
        expect(calls()).toBeLessThanOrEqual(bodies.length + 1);
      }),
      options,
    );
  }, 60_000);
});

describe('request statuses', () => {
  const requestBody = fc.record(
    {
      id: anything,
      status: fc.oneof(
        fc.constantFrom(
          'queued',
          'started',
          'finished',
          'failed',
          'deferred',
          'scheduled',
          'canceled',
          'FAILED',
          '',
        ),
        anything,
      ),
      progress: anything,
      message: anything,
      created_date: fc.oneof(fc.constantFrom('2026-12-02T07:00:00Z', 'yesterday', ''), anything),
      started_date: anything,
      finished_date: anything,
      result_url: anything,
      result_id: anything,
    },
    { requiredKeys: [] },
  );

  it('fromRequestsApi and fromLegacyStatus return a status or throw a DecodeError', () => {
    fc.assert(
      fc.property(requestBody, fc.string({ maxLength: 10 }), (raw, id) => {
        valueOrCvatError(() => fromRequestsApi(raw as unknown as RequestsApiStatusInput), 'fromRequestsApi');
        valueOrCvatError(
          () =>
            fromLegacyStatus(
              {
                state: raw['status'],
                message: raw['message'],
                progress: raw['progress'],
              } as LegacyStatusInput,
              id,
            ),
          'fromLegacyStatus',
        );
      }),
      { ...options, numRuns: RUNS * 4 },
    );
  });

  it('client.requests.watch over random answers ends: finished, a CvatError or its deadline', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(hostileStatus, requestBody), { minLength: 1, maxLength: 4 }),
        async (answers) => {
          const { backend } = scriptedBackend(
            answers.map(([status, body]) => ({ status, headers: {}, body })),
          );
          const client = makeClient({
            host: 'http://cvat.test',
            config: {
              backend,
              logger: { warn: () => undefined },
              polling: { minDelayMs: 0, maxDelayMs: 1, maxWaitMs: 30 },
              transport: { retry: { maxAttempts: 1 } },
            },
          });
          expectValueOrCvatError(await outcomeOf(client.requests.watch('rq-1')), 'requests.watch');
        },
      ),
      options,
    );
  }, 60_000);
});

describe('error bodies and Retry-After', () => {
  it('ApiError describes any body in a bounded message; fieldErrors and Retry-After never throw', () => {
    const body = fc.oneof(
      anything,
      fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(anything, fc.array(anything, { maxLength: 3 })), {
        maxKeys: 5,
      }),
      fc
        .string({ maxLength: 3000 })
        .map((s) => `Traceback (most recent call last):\n  File "x.py", line 1\n${s}`),
      fc.string({ maxLength: 100 }).map((s) => `<html><title>${s}</title></html>`),
      fc.letrec<{ deep: unknown }>((tie) => ({
        deep: fc.oneof(
          { depthSize: 'small' },
          fc.string(),
          fc.record({ detail: tie('deep') }),
          fc.array(tie('deep')),
        ),
      })).deep,
    );
    fc.assert(
      fc.property(hostileStatus, body, hostileHeaders, (status, b, headers) => {
        const error = apiErrorFrom({
          status,
          statusText: '',
          headers,
          body: b,
          method: 'GET',
          url: 'http://u:pw@cvat.test/x',
        });
        expect(error).toBeInstanceOf(ApiError);
        expect(error.message.length).toBeLessThan(700);
        expect(error.message).not.toContain('pw@');
        expect(typeof error.fieldErrors).toBe('object');
        expect(JSON.stringify(error)).toBeDefined();
        if (error.retryAfterMs !== undefined) expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
      }),
      { ...options, numRuns: RUNS * 4 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.double().map(String)), (value) => {
        const ms = parseRetryAfter(value, 1_000_000);
        if (ms !== undefined) expect(Number.isNaN(ms) || ms < 0).toBe(false);
      }),
      { ...options, numRuns: RUNS * 4 },
    );
  });
});

describe('the upload protocol over random answers', () => {
  const tusHeaders = fc.record(
    {
      location: fc.oneof(
        fc.constantFrom(
          '/api/tasks/1/data/abc',
          'http://elsewhere:1/api/tasks/1/data/x',
          'http://[::1',
          '//',
          ':',
          'http://%zz',
        ),
        fc.webUrl(),
        fc.string({ maxLength: 20 }),
      ),
      'upload-offset': fc.oneof(
        fc.constantFrom('0', '10', '20', '30', '31', '-1', '1e3', ' 10 ', '99999999999999999999'),
        fc.string({ maxLength: 5 }),
      ),
      'retry-after': fc.oneof(
        fc.constantFrom('999999', '0', 'Thu, 01 Jan 2099 00:00:00 GMT'),
        fc.string({ maxLength: 10 }),
      ),
      'upload-filename': fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  );
  const reply: fc.Arbitrary<Scripted> = fc.record({
    status: fc.oneof(fc.constantFrom(200, 201, 202, 204, 400, 404, 409, 423, 429, 500, 503), hostileStatus),
    headers: tusHeaders.map(
      (h) =>
        Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>,
    ),
    body: fc.oneof(anything, fc.record({ rq_id: anything }, { requiredKeys: [] })),
  });

  it('tusUpload: a result or a CvatError, within a bounded number of requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(reply, { minLength: 1, maxLength: 10 }), async (replies) => {
        const { backend, calls } = scriptedBackend(replies);
        const outcome = await outcomeOf(
          tusUpload(transportOn(backend), {
            url: '/api/tasks/1/data/',
            source: fromBytes(new Uint8Array(30), 'a.bin'),
            chunkSize: 10,
            maxRetries: 3,
            retryDelayMs: 0,
          }),
        );
        expectValueOrCvatError(outcome, 'tusUpload');
        // Create (retried once by the transport on 429/503) + 3 chunks + 3 resumes of HEAD and PATCH.
        expect(calls()).toBeLessThanOrEqual(2 + 3 + 3 * 3 * 2);
      }),
      options,
    );
  }, 60_000);

  it('uploadSession (start, bulk group, TUS file, finish): a result or a CvatError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(reply, { minLength: 1, maxLength: 12 }), async (replies) => {
        const { backend, calls } = scriptedBackend(replies);
        const outcome = await outcomeOf(
          uploadSession(transportOn(backend), {
            url: '/api/tasks/1/data/',
            sources: [fromBytes(new Uint8Array(5), 'a.png'), fromBytes(new Uint8Array(25), 'b.png')],
            maxRequestSize: 10,
            tus: { chunkSize: 10, maxRetries: 2, retryDelayMs: 0 },
          }),
        );
        expectValueOrCvatError(outcome, 'uploadSession');
        expect(calls()).toBeLessThanOrEqual(60);
      }),
      options,
    );
  }, 60_000);
});
