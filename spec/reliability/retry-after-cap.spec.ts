import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { chunk } from '../../src/entities/operations';
import { fromBytes } from '../../src/transfer/source';
import { bulkUpload } from '../../src/transfer/bulk';
import { resumeDelay, tusUpload } from '../../src/transfer/tus';
import { ApiError } from '../../src/errors';
import { FakeTransport } from '../transfer/support/fake-transport';
import type { FakeReply } from '../transfer/support/fake-transport';
import { HOST, useNock, wireContext } from '../operations/support';

/**
 * A hostile or broken server answering `Retry-After: 999999` (277 hours) must not park a client:
 * every place that honours Retry-After caps it at the transport's `maxDelayMs`. The transport's
 * own retry step (spec/transport/retry-policy.spec.ts) and the status waiter
 * (spec/lifecycle/waiter.spec.ts) are covered where they live; these are the others.
 */
const HOSTILE = '999999';

describe('TUS honours Retry-After only up to maxDelayMs', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('a 503 with Retry-After: 999999 on a chunk is resumed after maxDelayMs', async () => {
    let stored = 0;
    let failed = false;
    const times: string[] = [];
    const transport = new (class extends FakeTransport {
      override readonly configuration = { host: 'http://cvat.test:8080', retry: { maxDelayMs: 2_000 } };
    })((request): FakeReply => {
      times.push(`${Date.now()} ${request.method}`);
      if (request.method === 'POST') return { status: 201, headers: { Location: '/api/tasks/1/data/f' } };
      if (request.method === 'HEAD') return { status: 200, headers: { 'Upload-Offset': String(stored) } };
      if (!failed) {
        failed = true;
        return { status: 503, headers: { 'Retry-After': HOSTILE } };
      }
      stored = Number(request.headers?.['Upload-Offset']) + 10;
      return { status: 204, headers: { 'Upload-Offset': String(stored) } };
    });
    const done = lastValueFrom(
      tusUpload(transport, {
        url: '/api/tasks/1/data/',
        source: fromBytes(new Uint8Array(10), 'a.bin'),
        chunkSize: 10,
      }).pipe(toArray()),
    );
    await jest.advanceTimersByTimeAsync(2_000);
    const events = await done;
    expect(events[events.length - 1]?.type).toBe('result');
    expect(times).toEqual(['0 POST', '0 PATCH', '2000 HEAD', '2000 PATCH']);
  });

  it('resumeDelay: the backoff without Retry-After, the capped Retry-After with it', () => {
    expect(resumeDelay(1, 1000, undefined, 20_000)).toBe(1000);
    expect(resumeDelay(3, 1000, undefined, 20_000)).toBe(4000);
    expect(resumeDelay(20, 1000, undefined, 20_000)).toBe(30_000);
    expect(resumeDelay(1, 1000, 999_999_000, 20_000)).toBe(20_000);
    expect(resumeDelay(1, 1000, 500, 20_000)).toBe(500);
  });
});

describe('bulk groups are resent like TUS chunks (#14.8)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  const transportAnswering = (answers: FakeReply[]) => {
    const times: number[] = [];
    const transport = new (class extends FakeTransport {
      override readonly configuration = { host: 'http://cvat.test:8080', retry: { maxDelayMs: 2_000 } };
    })((_request, index): FakeReply => {
      times.push(Date.now());
      return answers[Math.min(index, answers.length - 1)]!;
    });
    return { transport, times };
  };
  const group = (transport: FakeTransport) =>
    lastValueFrom(
      bulkUpload(transport, {
        url: '/api/tasks/1/data/',
        sources: [fromBytes(new Uint8Array(3), 'a.png'), fromBytes(new Uint8Array(4), 'b.png')],
        retryDelayMs: 100,
      }).pipe(toArray()),
    );

  it('after a reset, a 502 and a 429 with Retry-After: 999999 (capped), with the TUS backoff', async () => {
    const { transport, times } = transportAnswering([
      { reset: true },
      { status: 502 },
      { status: 429, headers: { 'Retry-After': HOSTILE } },
      { status: 200, body: {} },
    ]);
    const done = group(transport);
    await jest.advanceTimersByTimeAsync(10_000);
    const events = await done;
    expect(events.at(-1)?.type).toBe('result');
    expect(times).toEqual([0, 100, 300, 2_300]);
  });

  it('a 400 is not resent, and the budget is 3 resends', async () => {
    const bad = transportAnswering([{ status: 400, body: { detail: 'bad' } }]);
    await expect(group(bad.transport)).rejects.toBeInstanceOf(ApiError);
    expect(bad.times).toHaveLength(1);
    const down = transportAnswering([{ status: 503 }]);
    const failed = group(down.transport).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(await failed).toBeInstanceOf(ApiError);
    expect(down.times).toHaveLength(4);
  });
});

describe('a chunk that is not ready yet', () => {
  useNock();

  it('waits at most maxDelayMs, whatever Retry-After says', async () => {
    // The wire context's maxDelayMs is 0: before the cap this waited 60 s per answer.
    const { ctx } = wireContext();
    nock(HOST)
      .get('/api/tasks/1/data')
      .query({ type: 'chunk', number: '0', quality: 'compressed' })
      .times(6)
      .reply(429, { detail: 'not ready' }, { 'Retry-After': HOSTILE })
      .get('/api/tasks/1/data')
      .query({ type: 'chunk', number: '0', quality: 'compressed' })
      .reply(200, Buffer.from('zip'));
    const data = await firstValueFrom(chunk(ctx, 'tasks', 1, 0, { quality: 'compressed' }));
    expect(Buffer.from(data).toString()).toBe('zip');
  });
});
