import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { makeClient } from '../../src/client';
import type { PollingOptions } from '../../src/client';
import { makeTask } from '../../src/entities/task';
import { TimeoutError } from '../../src/errors';
import { TaskRead } from '../../src/models';
import { decodeOrThrow } from '../../src/transport/decode';
import type { Handler, TransportEvent } from '../../src/transport/types';
import * as s from '../client/samples';

/**
 * task.status$ in virtual time: the transport's backend is replaced by cold observables that
 * answer 10 ms after each request, and the waiter runs on the TestScheduler.
 */
function setup(scheduler: TestScheduler, states: readonly string[], polling: PollingOptions) {
  const polls: number[] = [];
  const backend: Handler = (request) => {
    polls.push(scheduler.now());
    const status = states[Math.min(polls.length - 1, states.length - 1)]!;
    const response: TransportEvent = {
      type: 'response',
      response: {
        status: 200,
        statusText: 'OK',
        headers: { 'content-type': 'application/json' },
        body: s.page([s.request('rq1', status)]),
        method: request.method,
        url: request.url,
      },
    };
    return scheduler.createColdObservable<TransportEvent>('10ms (r|)', { r: response });
  };
  const client = makeClient({
    host: s.HOST,
    config: { backend, polling: { jitter: 'none', scheduler, ...polling } },
  });
  const task = makeTask(client.context, decodeOrThrow(TaskRead, s.task(1)));
  return { polls, task };
}

describe('task.status$ timing (virtual time)', () => {
  it('polls at once, then after 1 s, 2 s, 4 s (capped), emitting only changes', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ expectObservable, flush }) => {
      const { polls, task } = setup(scheduler, ['queued', 'started', 'started', 'started', 'finished'], {
        minDelayMs: 1000,
        maxLateness: Infinity,
        maxDelayMs: 4000,
      });
      // Responses at 10, 1020, 3030, 7040, 11050.
      expectObservable(task.status$.pipe(map((x) => x.status))).toBe('10ms a 1009ms b 10029ms (c|)', {
        a: 'queued',
        b: 'started',
        c: 'finished',
      });
      flush();
      expect(polls).toEqual([0, 1010, 3020, 7030, 11040]);
    });
  });

  it('errors with TimeoutError before a sleep that would pass maxWaitMs, with the polls made', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ expectObservable, flush }) => {
      const { polls, task } = setup(scheduler, ['started'], {
        minDelayMs: 1000,
        maxLateness: Infinity,
        maxDelayMs: 4000,
        maxWaitMs: 5000,
      });
      expectObservable(task.status$.pipe(map((x) => x.status))).toBe(
        '10ms a 3019ms #',
        { a: 'started' },
        expect.any(TimeoutError),
      );
      flush();
      expect(polls).toEqual([0, 1010, 3020]);
    });
  });

  it('unsubscribing stops polling', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ expectObservable, flush }) => {
      const { polls, task } = setup(scheduler, ['started'], {
        minDelayMs: 1000,
        maxLateness: Infinity,
        maxDelayMs: 1000,
      });
      expectObservable(task.status$.pipe(map((x) => x.status)), '^ 1500ms !').toBe('10ms a', {
        a: 'started',
      });
      flush();
      expect(polls).toEqual([0, 1010]);
    });
  });

  it('late subscribers join the running loop instead of starting another', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { polls, task } = setup(scheduler, ['queued', 'started', 'finished'], {
        minDelayMs: 1000,
        maxLateness: Infinity,
        maxDelayMs: 1000,
      });
      const late = cold('500ms x').pipe(map(() => task.status$));
      expectObservable(task.status$.pipe(map((x) => x.status))).toBe('10ms a 1009ms b 1009ms (c|)', {
        a: 'queued',
        b: 'started',
        c: 'finished',
      });
      late.subscribe((status$) => status$.subscribe());
      flush();
      expect(polls).toEqual([0, 1010, 2020]);
    });
  });
});
