import { lastValueFrom, toArray } from 'rxjs';
import { fromBytes } from '../../src/transfer/source';
import { tusUpload } from '../../src/transfer/tus';
import { FakeTransport } from '../transfer/support/fake-transport';
import type { FakeReply } from '../transfer/support/fake-transport';

/**
 * Failures spread over a long upload: the resume delay grows with failures in a row only, so the
 * 20th cut of a 256 MiB upload waits as long as the first (before the fix it waited 30 s).
 */
describe('TUS resume backoff', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('starts again after each chunk the server accepts, and doubles within a streak', async () => {
    const chunk = 10;
    const size = 40;
    let stored = 0;
    /** Offsets whose PATCH fails (once each, or twice for 20: a streak of two). */
    const failAt = new Map([
      [0, 1],
      [10, 1],
      [20, 2],
    ]);
    const times: string[] = [];
    const transport = new FakeTransport((request): FakeReply => {
      times.push(`${Date.now()} ${request.method}`);
      if (request.method === 'POST') return { status: 201, headers: { Location: '/api/tasks/1/data/f' } };
      if (request.method === 'HEAD') return { status: 200, headers: { 'Upload-Offset': String(stored) } };
      const offset = Number(request.headers?.['Upload-Offset']);
      const left = failAt.get(offset) ?? 0;
      if (left > 0) {
        failAt.set(offset, left - 1);
        return { reset: true };
      }
      stored = offset + chunk;
      return { status: 204, headers: { 'Upload-Offset': String(stored) } };
    });
    const done = lastValueFrom(
      tusUpload(transport, {
        url: '/api/tasks/1/data/',
        source: fromBytes(new Uint8Array(size), 'a.bin'),
        chunkSize: chunk,
        maxRetries: 10,
        retryDelayMs: 100,
      }).pipe(toArray()),
    );
    await jest.advanceTimersByTimeAsync(10_000);
    const events = await done;
    expect(events[events.length - 1]?.type).toBe('result');
    // Each HEAD comes after the delay: 100, 100 (after a success), then 100 and 200 in a row.
    expect(times.filter((line) => line.endsWith('HEAD'))).toEqual([
      '100 HEAD',
      '200 HEAD',
      '300 HEAD',
      '500 HEAD',
    ]);
  });
});
