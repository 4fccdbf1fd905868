import type { Observable } from 'rxjs';
import { of, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  ApiError,
  DecodeError,
  NetworkError,
  RequestFailedError,
  TimeoutError,
  UsageError,
} from '../../src/errors';
import type { RequestStatus } from '../../src/lifecycle/request-status';
import { isTransientPollError, pollUntilDone, shallowEqual } from '../../src/lifecycle/waiter';
import { watchRequest } from '../../src/lifecycle/watch';
import type { WatchRequestOptions } from '../../src/lifecycle/watch';

const status = (state: RequestStatus['status'], progress?: number, message = ''): RequestStatus => ({
  id: 'rq-1',
  status: state,
  progress,
  message,
});

const apiError = (code: number, retryAfterMs?: number): ApiError =>
  new ApiError({ status: code, method: 'GET', url: 'http://cvat.local/api/requests/rq-1', retryAfterMs });

/**
 * A check that answers with the i-th scripted observable on the i-th call (the last one repeats)
 * and records the virtual time of each call.
 */
function scripted(scheduler: TestScheduler, answers: readonly Observable<RequestStatus>[]) {
  const calls: number[] = [];
  const check = (): Observable<RequestStatus> => {
    calls.push(scheduler.now());
    return answers[Math.min(calls.length - 1, answers.length - 1)];
  };
  return { check, calls };
}

// Sleeps with random() pinned at 0.5 and full jitter in [10, ceiling]: 10, 15, 25, 45, 45, …
// so polls happen at 0, 10, 25, 50, 95, 140, … (the lateness cap is off: these tests pin the backoff).
const fast: WatchRequestOptions = {
  minDelayMs: 10,
  maxDelayMs: 80,
  random: () => 0.5,
  maxLateness: Infinity,
};

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

describe('pollUntilDone / watchRequest timing', () => {
  it('polls at once, then on the exact backoff schedule, emitting changes and completing after finished', () => {
    ts.run(({ expectObservable }) => {
      const values = {
        q: status('queued'),
        a: status('started', 0.2),
        b: status('started', 0.6),
        f: status('finished', 1),
      };
      const { check, calls } = scripted(ts, [
        of(values.q),
        of(values.q),
        of(values.a),
        of(status('started', 0.2)),
        of(values.b),
        of(values.f),
      ]);
      expectObservable(watchRequest(check, fast)).toBe('q 24ms a 69ms b 44ms (f|)', values);
      ts.flush();
      expect(calls).toEqual([0, 10, 25, 50, 95, 140]);
    });
  });

  it('uses the documented defaults (200 ms doubling to 5 s) when no delays are given', () => {
    ts.run(() => {
      const { check, calls } = scripted(ts, [of(status('queued'))]);
      const sub = watchRequest(check, { random: () => 0, jitter: 'none', maxLateness: Infinity }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 30_000);
      ts.flush();
      expect(calls.slice(0, 8)).toEqual([0, 200, 600, 1400, 3000, 6200, 11200, 16200]);
    });
  });

  it('by default sleeps at most 10% of the time waited so far (never under 200 ms), then backs off to 5 s', () => {
    ts.run(() => {
      const { check, calls } = scripted(ts, [of(status('queued'))]);
      const sub = watchRequest(check, { random: () => 0.999, jitter: 'full' }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 120_000);
      ts.flush();
      const gaps = calls.slice(1).map((at, i) => ({ at: calls[i] ?? 0, gap: at - (calls[i] ?? 0) }));
      // A request that ends at time T is polled again by max(200 ms, 10% of T) later: with the
      // poll's own round trip, noticed within max(250 ms, 10% of T) on a local network.
      for (const { at, gap } of gaps) expect(gap).toBeLessThanOrEqual(Math.max(200, 0.1 * at) + 1);
      expect(gaps.slice(0, 5).map((g) => g.gap)).toEqual([200, 200, 200, 200, 200]);
      expect(Math.max(...gaps.map((g) => g.gap))).toBeGreaterThan(4_900);
    });
  });

  it('does not poll again after the finished status', () => {
    ts.run(({ expectObservable }) => {
      const f = status('finished', 1);
      const { check, calls } = scripted(ts, [of(f)]);
      expectObservable(watchRequest(check, fast)).toBe('(f|)', { f });
      ts.flush();
      expect(calls).toEqual([0]);
    });
  });

  it('emits a status again when only its message changed', () => {
    ts.run(({ expectObservable }) => {
      const a = status('started', 0.5, 'Images are being compressed');
      const b = status('started', 0.5, 'Preparing chunks');
      const f = status('finished', 1);
      const { check } = scripted(ts, [of(a), of(b), of(f)]);
      expectObservable(watchRequest(check, fast)).toBe('a 9ms b 14ms (f|)', { a, b, f });
    });
  });
});

describe('failure and deadline', () => {
  it('errors with RequestFailedError carrying the server message on failed, without emitting it', () => {
    ts.run(({ expectObservable }) => {
      const q = status('queued');
      const { check, calls } = scripted(ts, [
        of(q),
        of(status('failed', undefined, 'ValueError: no frames')),
      ]);
      expectObservable(watchRequest(check, fast)).toBe(
        'q 9ms #',
        { q },
        expect.objectContaining({
          name: 'RequestFailedError',
          requestId: 'rq-1',
          serverMessage: 'ValueError: no frames',
        }),
      );
      ts.flush();
      expect(calls).toEqual([0, 10]);
    });
  });

  it('times out before a sleep that would reach the deadline, with the last status and the number of polls', () => {
    ts.run(({ expectObservable }) => {
      const a = status('started', 0.1);
      const { check, calls } = scripted(ts, [of(status('queued')), of(a)]);
      // Polls at 0, 10, 25, 50; the next would be at 95 >= 60, so the error comes at 50.
      expectObservable(watchRequest(check, { ...fast, maxWaitMs: 60 })).toBe(
        'q 9ms a 39ms #',
        { q: status('queued'), a },
        expect.objectContaining({ name: 'TimeoutError', attempts: 4, lastStatus: a, timeoutMs: 60 }),
      );
      ts.flush();
      expect(calls).toEqual([0, 10, 25, 50]);
    });
  });

  it('cuts a poll still in flight at the deadline and cancels it', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold<RequestStatus>('100ms a', { a: status('started') });
      const { check } = scripted(ts, [of(status('queued')), slow]);
      expectObservable(watchRequest(check, { ...fast, maxWaitMs: 40 })).toBe(
        'q 39ms #',
        { q: status('queued') },
        expect.objectContaining({ name: 'TimeoutError', attempts: 2 }),
      );
      expectSubscriptions(slow.subscriptions).toBe('10ms ^ 29ms !');
    });
  });
});

describe('poll errors', () => {
  it('retries a 503 after at least its Retry-After, under the same backoff', () => {
    ts.run(({ expectObservable }) => {
      const a = status('started', 0.5);
      const f = status('finished', 1);
      const { check, calls } = scripted(ts, [throwError(() => apiError(503, 60)), of(a), of(f)]);
      // Sleep 1 would be 10 ms but the server asked for 60; sleep 2 is the second backoff step (15).
      expectObservable(watchRequest(check, fast)).toBe('60ms a 14ms (f|)', { a, f });
      ts.flush();
      expect(calls).toEqual([0, 60, 75]);
    });
  });

  it('caps a Retry-After at maxDelayMs (Retry-After: 999999 would otherwise park the loop for 277 h)', () => {
    ts.run(({ expectObservable }) => {
      const f = status('finished', 1);
      const { check, calls } = scripted(ts, [
        throwError(() => apiError(429, 999_999_000)),
        throwError(() => apiError(503, 999_999_000)),
        of(f),
      ]);
      expectObservable(watchRequest(check, fast)).toBe('160ms (f|)', { f });
      ts.flush();
      expect(calls).toEqual([0, 80, 160]);
    });
  });

  it('retries network errors and 429/5xx, then recovers', () => {
    ts.run(({ expectObservable }) => {
      const f = status('finished', 1);
      const { check, calls } = scripted(ts, [
        throwError(() => new NetworkError('socket hang up', { code: 'ECONNRESET' })),
        throwError(() => apiError(429)),
        throwError(() => apiError(502)),
        of(f),
      ]);
      expectObservable(watchRequest(check, fast)).toBe('50ms (f|)', { f });
      ts.flush();
      expect(calls).toEqual([0, 10, 25, 50]);
    });
  });

  it('gives up after maxConsecutiveErrors transient failures in a row', () => {
    ts.run(({ expectObservable }) => {
      const { check, calls } = scripted(ts, [throwError(() => apiError(500))]);
      expectObservable(watchRequest(check, { ...fast, maxConsecutiveErrors: 2 })).toBe(
        '25ms #',
        undefined,
        expect.objectContaining({ status: 500 }),
      );
      ts.flush();
      expect(calls).toEqual([0, 10, 25]);
    });
  });

  it.each([401, 403, 404, 400])('fails fast on %i without polling again', (code) => {
    ts.run(({ expectObservable }) => {
      const { check, calls } = scripted(ts, [throwError(() => apiError(code)), of(status('finished'))]);
      expectObservable(watchRequest(check, fast)).toBe(
        '#',
        undefined,
        expect.objectContaining({ status: code }),
      );
      ts.flush();
      expect(calls).toEqual([0]);
    });
  });

  it('fails fast on a DecodeError', () => {
    ts.run(({ expectObservable }) => {
      const error = new DecodeError({ codecName: 'Request', issues: ['status: bad'] });
      const { check } = scripted(ts, [throwError(() => error)]);
      expectObservable(watchRequest(check, fast)).toBe('#', undefined, error);
    });
  });

  it('classifies transient errors', () => {
    expect(isTransientPollError(new NetworkError('down'))).toBe(true);
    expect(isTransientPollError(new TimeoutError('idle', { timeoutMs: 1 }))).toBe(true);
    expect(isTransientPollError(apiError(503))).toBe(true);
    expect(isTransientPollError(apiError(408))).toBe(true);
    expect(isTransientPollError(apiError(404))).toBe(false);
    expect(isTransientPollError(new Error('bug'))).toBe(false);
  });
});

describe('cancellation and validation', () => {
  it('stops polling when unsubscribed between polls', () => {
    ts.run(({ expectObservable }) => {
      const { check, calls } = scripted(ts, [of(status('queued'))]);
      expectObservable(watchRequest(check, fast), '^ 30ms !').toBe('q', { q: status('queued') });
      ts.flush();
      expect(calls).toEqual([0, 10, 25]);
    });
  });

  it('cancels the poll in flight when unsubscribed', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold<RequestStatus>('20ms a', { a: status('started') });
      const { check } = scripted(ts, [slow]);
      expectObservable(watchRequest(check, fast), '^ 5ms !').toBe('');
      expectSubscriptions(slow.subscriptions).toBe('^ 5ms !');
    });
  });

  it('reports invalid options in the error channel, never synchronously', () => {
    let stream: Observable<RequestStatus> | undefined;
    expect(
      () =>
        (stream = watchRequest(() => of(status('queued')), {
          minDelayMs: 10,
          maxDelayMs: 5,
          maxLateness: Infinity,
        })),
    ).not.toThrow();
    let caught: unknown;
    stream?.subscribe({ error: (e: unknown) => (caught = e) });
    expect(caught).toBeInstanceOf(UsageError);
  });

  it('errors when a check completes without a status', () => {
    ts.run(({ expectObservable }) => {
      expectObservable(watchRequest(() => of<RequestStatus>(), fast)).toBe(
        '#',
        undefined,
        expect.any(UsageError),
      );
    });
  });
});

describe('pollUntilDone (generic)', () => {
  it('works on any status shape with a classify function, using shallow equality by default', () => {
    ts.run(({ expectObservable }) => {
      type Legacy = { state: string; n: number };
      const answers: Legacy[] = [
        { state: 'Queued', n: 0 },
        { state: 'Queued', n: 0 },
        { state: 'Started', n: 1 },
        { state: 'Finished', n: 2 },
      ];
      let i = 0;
      const check = () => of(answers[i++]);
      const classify = (s: Legacy) =>
        s.state === 'Finished' ? 'finished' : s.state === 'Failed' ? 'failed' : 'pending';
      expectObservable(
        pollUntilDone(check, { classify, minDelayMs: 10, maxDelayMs: 10, maxLateness: Infinity }),
      ).toBe('a 19ms b 9ms (c|)', {
        a: answers[0],
        b: answers[2],
        c: answers[3],
      });
    });
  });

  it('uses the failure callback for RequestFailedError', () => {
    let caught: unknown;
    pollUntilDone(() => of({ ok: false }), {
      classify: () => 'failed',
      failure: () => ({ requestId: 'job-7', message: 'disk full' }),
    }).subscribe({ error: (e: unknown) => (caught = e) });
    expect(caught).toBeInstanceOf(RequestFailedError);
    expect(caught).toMatchObject({ requestId: 'job-7', serverMessage: 'disk full' });
  });

  it('shallowEqual compares own keys by identity', () => {
    expect(shallowEqual({ a: 1, b: 'x' }, { a: 1, b: 'x' })).toBe(true);
    expect(shallowEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(shallowEqual({ a: {} }, { a: {} })).toBe(false);
  });
});
