import nock from 'nock';
import { lastValueFrom } from 'rxjs';
import { Watchdog } from '../../src/transport/timeouts';
import { errorOf, HOST, makeTransport, useNock } from './helpers';

// Fake clocks for our timers; I/O callbacks (nextTick, setImmediate, microtasks) stay real.
const fakeClock = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });

useNock();
afterEach(() => jest.useRealTimers());

describe('timeouts', () => {
  it('a response in time clears both timers', async () => {
    fakeClock();
    const scope = nock(HOST).get('/api/tasks').reply(200, { ok: true });
    const result = await lastValueFrom(makeTransport().request({ method: 'GET', url: '/api/tasks' }));
    expect(result.body).toEqual({ ok: true });
    expect(jest.getTimerCount()).toBe(0);
    expect(scope.isDone()).toBe(true);
  });

  it('an error response also clears both timers', async () => {
    fakeClock();
    nock(HOST).get('/api/tasks').reply(500, 'boom');
    await errorOf(makeTransport().request({ method: 'GET', url: '/api/tasks' }));
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
