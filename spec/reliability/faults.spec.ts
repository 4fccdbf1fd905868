import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, Observable } from 'rxjs';
import type { RunningEmulator } from '../../src/emulator';
import { ApiError, NetworkError, TimeoutError } from '../../src/errors';
import { downloadToFile } from '../../src/node/download-to-file';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import type { ApiResponse, TransportEvent, TransportRequest } from '../../src/transport/types';
import type { Api } from '../emulator/helpers';
import { png, withEmulator } from '../emulator/helpers';
import { startCuttingProxy } from '../support/tcp-proxy';
import { errorOf, recordRequests } from './helpers';

const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

function transportFor(host: string, extra: Partial<ConstructorParameters<typeof Configuration>[0]> = {}) {
  return new Transport(
    new Configuration({ host, username: 'admin', password: 'admin', retry: FAST_RETRY, ...extra }),
  );
}

const createTask = (transport: Transport, name: string) =>
  transport.request({
    method: 'POST',
    url: '/api/tasks',
    body: { name, labels: [{ name: 'car' }] },
    operationId: 'tasks_create',
  });

describe('5xx storms, 429 bursts and non-idempotent creates (emulator)', () => {
  let emu: RunningEmulator;
  let seen: string[];

  beforeEach(async () => {
    ({ emu } = await withEmulator({ onError: () => undefined }));
    seen = recordRequests(emu);
  });
  afterEach(() => emu.close());

  const gets = () => seen.filter((line) => line === 'GET /api/tasks').length;
  const posts = () => seen.filter((line) => line === 'POST /api/tasks').length;

  it('an idempotent GET survives a 503 storm shorter than the retry budget', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'GET', errorStatus: 503, times: 3 }]);
    const response = await lastValueFrom(transportFor(emu.url).request({ method: 'GET', url: '/api/tasks' }));
    expect(response.status).toBe(200);
    expect(gets()).toBe(4);
  });

  it('a storm longer than the budget ends in an ApiError after exactly maxAttempts', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'GET', errorStatus: 502, times: 50 }]);
    const error = await errorOf(transportFor(emu.url).request({ method: 'GET', url: '/api/tasks' }));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(502);
    expect(gets()).toBe(FAST_RETRY.maxAttempts);
  });

  it('a 429 burst with Retry-After is retried and succeeds', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'GET', errorStatus: 429, retryAfterSeconds: 0, times: 2 }]);
    const response = await lastValueFrom(transportFor(emu.url).request({ method: 'GET', url: '/api/tasks' }));
    expect(response.status).toBe(200);
    expect(gets()).toBe(3);
  });

  it.each([
    ['a 503', { errorStatus: 503 }],
    ['a 429 with Retry-After', { errorStatus: 429, retryAfterSeconds: 0 }],
  ])('POST /api/tasks answered with %s is not repeated', async (_name, fault) => {
    emu.setFaults([{ path: '/api/tasks', method: 'POST', times: 5, ...fault }]);
    const error = await errorOf(createTask(transportFor(emu.url), 'once'));
    expect(error).toBeInstanceOf(ApiError);
    expect(posts()).toBe(1);
    expect(emu.emulator.state.tasks.size).toBe(0);
  });

  it('POST /api/tasks whose response is lost after the server created it is not repeated', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'POST', dropResponseAfterBytes: 0, times: 5 }]);
    const error = await errorOf(createTask(transportFor(emu.url), 'lost-answer'));
    expect(error).toBeInstanceOf(NetworkError);
    expect(posts()).toBe(1);
    expect(emu.emulator.state.tasks.size).toBe(1);
  });

  it('POST /api/tasks cut in the middle of its body by the network is not repeated', async () => {
    const proxy = await startCuttingProxy({ targetPort: Number(new URL(emu.url).port) });
    try {
      // The request line and headers get through; the connection dies inside the JSON body.
      proxy.schedule([1_000]);
      const transport = transportFor(proxy.url);
      const error = await errorOf(createTask(transport, `x${'y'.repeat(2_000)}`));
      expect(error).toBeInstanceOf(NetworkError);
      expect(proxy.cuts).toBe(1);
      // The client may learn of the reset before the server parsed the headers it did get.
      for (let i = 0; i < 100 && posts() === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(posts()).toBe(1);
      expect(emu.emulator.state.tasks.size).toBe(0);
      // The same transport works again once the network does: one more POST, one task.
      const ok = await lastValueFrom(createTask(transport, 'after-cut'));
      expect(ok.status).toBe(201);
      expect(posts()).toBe(2);
      expect(emu.emulator.state.tasks.size).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('a response stalled before its headers hits the idle timeout, without a retry', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'GET', latencyMs: 2_000, times: 1 }]);
    const error = await errorOf(
      transportFor(emu.url, { timeouts: { idleMs: 100 } }).request({ method: 'GET', url: '/api/tasks' }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('idle');
    expect(gets()).toBe(1);
  });

  it('a body that stops flowing hits the idle timeout', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'GET', slowBodyChunkBytes: 8, slowBodyDelayMs: 1_000 }]);
    const error = await errorOf(
      transportFor(emu.url, { timeouts: { idleMs: 100 } }).request({ method: 'GET', url: '/api/tasks' }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).phase).toBe('idle');
  });
});

/** A backend that answers from a script and records when each attempt was sent (virtual time). */
function scriptedBackend(replies: Array<Pick<ApiResponse, 'status' | 'headers'>>, log: number[]) {
  return (request: TransportRequest) =>
    new Observable<TransportEvent>((subscriber) => {
      log.push(Date.now());
      const reply = replies[Math.min(log.length - 1, replies.length - 1)];
      subscriber.next({ type: 'sent', attempt: 1 });
      subscriber.next({
        type: 'response',
        response: {
          ...reply,
          statusText: '',
          body: null,
          method: request.method,
          url: request.url,
        },
      });
      subscriber.complete();
    });
}

describe('Retry-After is honoured (virtual time)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('waits exactly the delay the server asked for (seconds and HTTP date)', async () => {
    const log: number[] = [];
    const transport = new Transport(
      new Configuration({ host: 'http://cvat.test', retry: { maxAttempts: 4, maxDelayMs: 60_000 } }),
      {
        backend: scriptedBackend(
          [
            { status: 429, headers: { 'retry-after': '3' } },
            { status: 503, headers: { 'retry-after': new Date(1_000_000 + 3_000 + 7_000).toUTCString() } },
            { status: 200, headers: {} },
          ],
          log,
        ),
        random: () => 0.5,
      },
    );
    let result: ApiResponse | undefined;
    transport.request({ method: 'GET', url: '/api/tasks' }).subscribe((r) => (result = r));
    expect(log).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(2_999);
    expect(log).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(log).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(6_999);
    expect(log).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(log).toHaveLength(3);
    expect(result?.status).toBe(200);
    expect(log.map((t) => t - 1_000_000)).toEqual([0, 3_000, 10_000]);
  });

  it('never retries a POST, whatever Retry-After says', async () => {
    const log: number[] = [];
    const transport = new Transport(new Configuration({ host: 'http://cvat.test' }), {
      backend: scriptedBackend([{ status: 429, headers: { 'retry-after': '1' } }], log),
    });
    let failure: unknown;
    transport
      .request({ method: 'POST', url: '/api/tasks', body: { name: 'x' } })
      .subscribe({ error: (e: unknown) => (failure = e) });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(log).toHaveLength(1);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).retryAfterMs).toBe(1_000);
  });
});

describe('the server dies during an export download', () => {
  let emu: RunningEmulator;
  let api: Api;
  let dir: string;
  let downloadPath: string;
  let transport: Transport;

  beforeEach(async () => {
    ({ emu, api } = await withEmulator({ onError: () => undefined }));
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-rel-'));
    const task = await api.taskWithImages({ name: 'export', labels: [{ name: 'car' }] }, [
      ['a.png', png(64, 48)],
      ['b.png', png(64, 48, 0x20)],
    ]);
    const started = await api.post(
      `/api/tasks/${String(task.id)}/dataset/export?format=${encodeURIComponent('CVAT for images 1.1')}&save_images=true`,
    );
    const rqId = (started.body as { rq_id: string }).rq_id;
    const rq = await api.wait(rqId);
    expect(rq.status).toBe('finished');
    downloadPath = `/api/tasks/${String(task.id)}/dataset/download`;
    transport = transportFor(emu.url, { timeouts: { idleMs: 2_000 } });
    downloadPath += `?rq_id=${encodeURIComponent(rqId)}`;
  });
  afterEach(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a server that goes away mid-body: NetworkError, nothing left on disk', async () => {
    emu.setFaults([{ path: '/api/tasks/*/dataset/download', slowBodyChunkBytes: 64, slowBodyDelayMs: 5 }]);
    let closing: Promise<void> | undefined;
    const error = await new Promise<unknown>((resolve) => {
      downloadToFile(transport, { method: 'GET', url: downloadPath }, { directory: dir }).subscribe({
        next: (event) => {
          if (event.type === 'progress' && event.loaded > 0) closing ??= emu.close();
        },
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    await closing;
    expect(closing).toBeDefined();
    expect(error).toBeInstanceOf(NetworkError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a response cut after some bytes: NetworkError, nothing left on disk', async () => {
    emu.setFaults([{ path: '/api/tasks/*/dataset/download', dropResponseAfterBytes: 100 }]);
    const error = await errorOf(
      downloadToFile(transport, { method: 'GET', url: downloadPath }, { path: join(dir, 'out.zip') }),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a download that stalls: TimeoutError, nothing left on disk', async () => {
    emu.setFaults([
      { path: '/api/tasks/*/dataset/download', slowBodyChunkBytes: 64, slowBodyDelayMs: 2_000 },
    ]);
    const error = await errorOf(
      downloadToFile(
        transport,
        { method: 'GET', url: downloadPath },
        { path: join(dir, 'out.zip'), idleTimeoutMs: 100 },
      ),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the same download completes when nothing goes wrong (control)', async () => {
    const result = await lastValueFrom(
      downloadToFile(transport, { method: 'GET', url: downloadPath }, { directory: dir }),
    );
    expect(result.type).toBe('result');
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
