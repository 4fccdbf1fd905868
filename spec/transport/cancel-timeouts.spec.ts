import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { firstValueFrom, lastValueFrom, filter, type Subscription } from 'rxjs';
import { TimeoutError } from '../../src/errors';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import { Watchdog } from '../../src/transport/timeouts';
import type { TransportEvent } from '../../src/transport/types';
import { errorOf, HOST, makeTransport } from './helpers';

// Fake clocks for every timer; I/O callbacks (nextTick, setImmediate, microtasks) stay real.
const fakeClock = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  jest.useRealTimers();
});
afterAll(() => nock.enableNetConnect());

/** Waits (in real I/O time, not clock time) until nock has seen the request. */
function requestSeen(scope: nock.Scope): Promise<http.ClientRequest> {
  return new Promise((resolve) => scope.once('request', (req: http.ClientRequest) => resolve(req)));
}

describe('cancellation', () => {
  it('unsubscribing aborts the request in flight and clears every timer (nock)', async () => {
    fakeClock();
    const scope = nock(HOST).get('/api/slow').delay(60_000).reply(200, {});
    const seen = requestSeen(scope);
    const events: TransportEvent[] = [];
    let settled = false;
    const subscription = makeTransport().events({ method: 'GET', url: '/api/slow' }).subscribe({
      next: (event) => events.push(event),
      error: () => (settled = true),
      complete: () => (settled = true),
    });
    const req = await seen;
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(req.destroyed).toBe(true);
    // Our watchdog is gone; only nock's own delayed reply may remain (cleaned in afterEach).
    await jest.advanceTimersByTimeAsync(120_000);
    expect(events.map((e) => e.type)).toEqual(['sent']);
    expect(settled).toBe(false);
  });

  it('the server sees the connection close when the subscriber leaves (real socket)', async () => {
    nock.enableNetConnect('127.0.0.1');
    let onClose!: () => void;
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    let onArrive!: () => void;
    const arrived = new Promise<void>((resolve) => (onArrive = resolve));
    const server = http.createServer((req) => {
      req.socket.once('close', onClose);
      onArrive();
      // Never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const transport = new Transport(new Configuration({ host: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } }));
      const subscription: Subscription = transport.request({ method: 'GET', url: '/api/tasks' }).subscribe();
      await arrived;
      subscription.unsubscribe();
      await closed;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      nock.disableNetConnect();
    }
  });

  it('an upload cancelled midway stops reading its stream and destroys it', async () => {
    fakeClock();
    const { Readable } = await import('node:stream');
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 65_536;
        this.push(Buffer.alloc(65_536));
      },
    });
    const scope = nock(HOST).put('/upload').delay(60_000).reply(200);
    const seen = requestSeen(scope);
    const subscription = makeTransport()
      .events({ method: 'PUT', url: '/upload', body: source, bodySize: 100 * 65_536 })
      .subscribe();
    // Let a few chunks flow, then leave.
    await firstValueFrom(
      makeTransport().events({ method: 'GET', url: '/never' }).pipe(filter(() => false)),
      { defaultValue: undefined },
    ).catch(() => undefined);
    subscription.unsubscribe();
    expect(source.destroyed).toBe(true);
    const before = produced;
    await jest.advanceTimersByTimeAsync(1000);
    expect(produced).toBe(before);
    void seen;
  });
});

describe('timeouts', () => {
  it('no connection within connectMs → TimeoutError (connect)', async () => {
    fakeClock();
    nock(HOST).get('/api/tasks').delayConnection(60_000).reply(200, {});
    const transport = makeTransport({ timeouts: { connectMs: 1000, idleMs: 5000 } });
    const error = errorOf(transport.request({ method: 'GET', url: '/api/tasks' }));
    await jest.advanceTimersByTimeAsync(1000);
    const timeout = await error;
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect((timeout as TimeoutError).phase).toBe('connect');
    expect((timeout as TimeoutError).timeoutMs).toBe(1000);
    expect((timeout as TimeoutError).message).toBe(`GET ${HOST}/api/tasks: no connection within 1000 ms`);
    expect(jest.getTimerCount()).toBeLessThanOrEqual(1); // nock's own delayed connection, if anything
  });

  it('silence before the headers → TimeoutError (idle), per-request timeouts override', async () => {
    fakeClock();
    nock(HOST).get('/api/tasks').delay(60_000).reply(200, {});
    const transport = makeTransport({ timeouts: { connectMs: 1000, idleMs: 100_000 } });
    const error = errorOf(transport.request({ method: 'GET', url: '/api/tasks', timeouts: { idleMs: 2000 } }));
    await jest.advanceTimersByTimeAsync(1999);
    let done = false;
    void error.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const timeout = (await error) as TimeoutError;
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.phase).toBe('idle');
  });

  it('a slow but steady response does not time out', async () => {
    fakeClock();
    nock(HOST).get('/api/tasks').delay(1500).reply(200, { ok: true });
    const transport = makeTransport({ timeouts: { connectMs: 1000, idleMs: 2000 } });
    const result = lastValueFrom(transport.request({ method: 'GET', url: '/api/tasks' }));
    await jest.advanceTimersByTimeAsync(1500);
    expect((await result).body).toEqual({ ok: true });
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('Watchdog', () => {
  beforeEach(fakeClock);

  it('fires connect when nothing connects', () => {
    const fired: string[] = [];
    const dog = new Watchdog({ connectMs: 100, idleMs: 50 }, (phase, ms) => fired.push(`${phase}:${ms}`));
    dog.start();
    jest.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['connect:100']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('activity pushes the idle timer back; stop clears it', () => {
    const fired: string[] = [];
    const dog = new Watchdog({ connectMs: 100, idleMs: 50 }, (phase) => fired.push(phase));
    dog.start();
    dog.connected();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(40);
      dog.activity();
    }
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(50);
    expect(fired).toEqual(['idle']);
    const other = new Watchdog({ connectMs: 100, idleMs: 50 }, (phase) => fired.push(phase));
    other.start();
    other.stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('zero or Infinity disables a timer', () => {
    const dog = new Watchdog({ connectMs: 0, idleMs: Infinity }, () => undefined);
    dog.start();
    dog.connected();
    expect(jest.getTimerCount()).toBe(0);
  });
});
