import type http from 'node:http';
import nock from 'nock';
import { lastValueFrom, type Observable } from 'rxjs';
import { TimeoutError } from '../../src/errors';
import { Configuration } from '../../src/transport/configuration';
import { detectNodeModules, type NodeModules } from '../../src/transport/runtime';
import { Transport } from '../../src/transport/transport';
import { Watchdog } from '../../src/transport/timeouts';
import type { TransportEvent } from '../../src/transport/types';
import { errorOf, HOST, makeTransport } from './helpers';

// Fake clocks for our timers; I/O callbacks (nextTick, setImmediate, microtasks) stay real.
// nock keeps its own delays on real timers: abortPendingRequests() clears them after each test.
const fakeClock = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  jest.useRealTimers();
});
afterAll(() => nock.enableNetConnect());

/** Node modules whose http.request hands us every ClientRequest the transport makes. */
function spyingNode(requests: http.ClientRequest[]): NodeModules {
  const real = detectNodeModules()!;
  const request = ((...args: Parameters<typeof http.request>) => {
    const req = real.http.request(...args);
    requests.push(req);
    return req;
  }) as typeof http.request;
  return { ...real, http: { ...real.http, request } };
}

/** Resolves with the first event of a type (the subscription stays open). */
function nextEvent(
  events$: Observable<TransportEvent>,
  sink: TransportEvent[],
  settle: (e?: unknown) => void,
) {
  return events$.subscribe({ next: (e) => sink.push(e), error: settle, complete: () => settle() });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('cancellation', () => {
  it('unsubscribing aborts the request in flight and leaves no timer (nock)', async () => {
    fakeClock();
    const requests: http.ClientRequest[] = [];
    const scope = nock(HOST).get('/api/slow').delayConnection(60_000).reply(200, {});
    const transport = new Transport(new Configuration({ host: HOST }), { node: spyingNode(requests) });
    const events: TransportEvent[] = [];
    let settled = false;
    const subscription = nextEvent(
      transport.events({ method: 'GET', url: '/api/slow' }),
      events,
      () => (settled = true),
    );
    await until(() => requests.length === 1);
    const timersWhileRunning = jest.getTimerCount();
    subscription.unsubscribe();
    expect(timersWhileRunning).toBeGreaterThan(0);
    expect(requests[0]!.destroyed).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(events.map((e) => e.type)).toEqual(['sent']);
    expect(settled).toBe(false);
    expect(scope.isDone()).toBe(false);
  });
});

describe('timeouts', () => {
  it('no connection within connectMs → TimeoutError (connect)', async () => {
    fakeClock();
    nock(HOST).get('/api/tasks').delayConnection(60_000).reply(200, {});
    const transport = makeTransport({ timeouts: { connectMs: 1000, idleMs: 5000 } });
    const error = errorOf(transport.request({ method: 'GET', url: '/api/tasks' }));
    await jest.advanceTimersByTimeAsync(1000);
    const timeout = (await error) as TimeoutError;
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.phase).toBe('connect');
    expect(timeout.timeoutMs).toBe(1000);
    expect(timeout.message).toBe(`GET ${HOST}/api/tasks: no connection within 1000 ms`);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('silence before the headers → TimeoutError (idle); a per-request value overrides', async () => {
    fakeClock();
    nock(HOST).get('/api/tasks').delayBody(60_000).reply(200, {});
    const transport = makeTransport({ timeouts: { connectMs: 1000, idleMs: 100_000 } });
    let failure: unknown;
    transport.request({ method: 'GET', url: '/api/tasks', timeouts: { idleMs: 2000 } }).subscribe({
      error: (e: unknown) => (failure = e),
    });
    // nock connects the socket at once and holds the reply back.
    await jest.advanceTimersByTimeAsync(1999);
    expect(failure).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as TimeoutError).phase).toBe('idle');
    expect((failure as TimeoutError).message).toBe(`GET ${HOST}/api/tasks: no data within 2000 ms`);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a response in time clears both timers', async () => {
    fakeClock();
    nock(HOST).get('/api/tasks').reply(200, { ok: true });
    const result = await lastValueFrom(makeTransport().request({ method: 'GET', url: '/api/tasks' }));
    expect(result.body).toEqual({ ok: true });
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
