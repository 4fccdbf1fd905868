import { Observable, from, throwError, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { NetworkError, TimeoutError } from '../../src/errors';
import { fullJitterDelay, parseRetryAfter, retryDelay, retryStep } from '../../src/transport/retry';
import type { HttpMethod, RetryPolicy, TransportEvent, TransportRequest } from '../../src/transport/types';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

describe('parseRetryAfter', () => {
  const now = Date.parse('Fri, 27 Nov 2026 03:00:00 GMT');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('10', now)).toBe(10_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 03:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 02:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('full jitter', () => {
  it('is random() × base × 2^n, capped', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 4, 5].map((n) => fullJitterDelay(n, policy, half))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect(fullJitterDelay(3, policy, () => 0)).toBe(0);
    expect(fullJitterDelay(10, policy, () => 0.999)).toBe(999);
  });

  it('Retry-After overrides the jitter and is capped by maxDelayMs', () => {
    expect(retryDelay(0, policy, 300, () => 0.5)).toBe(300);
    expect(retryDelay(0, policy, 60_000, () => 0.5)).toBe(1000);
    expect(retryDelay(2, policy, undefined, () => 0.5)).toBe(200);
  });
});

// ---------------------------------------------------------------- the retry step in virtual time

type Outcome = number | Error;

function response(status: number, headers: Record<string, string> = {}): TransportEvent {
  return {
    type: 'response',
    response: { status, statusText: '', headers, body: null, method: 'GET', url: '/x' },
  };
}

/**
 * Runs the retry step over a fake backend answering `outcomes` in turn (a status, or an error),
 * and records [virtual time, event] pairs and how many attempts were made.
 */
function run(
  request: Partial<TransportRequest>,
  outcomes: readonly Outcome[],
  options: { policy?: RetryPolicy; headers?: Record<string, string>; random?: () => number } = {},
) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const log: Array<[number, string]> = [];
  let calls = 0;
  let failure: unknown;
  scheduler.run(() => {
    const next = (): Observable<TransportEvent> => {
      const outcome = outcomes[Math.min(calls, outcomes.length - 1)]!;
      calls++;
      if (outcome instanceof Error) return throwError(() => outcome);
      return from<TransportEvent[]>([{ type: 'sent', attempt: 1 }, response(outcome, options.headers)]);
    };
    const step = retryStep(options.policy ?? policy, {
      random: options.random ?? (() => 1),
      now: () => scheduler.now(),
    });
    step({ method: 'GET', url: '/x', ...request }, next).subscribe({
      next: (event) =>
        log.push([
          scheduler.now(),
          event.type === 'sent'
            ? `sent#${event.attempt}`
            : `${event.type === 'response' ? event.response.status : event.type}`,
        ]),
      error: (error: unknown) => {
        failure = error;
      },
    });
  });
  return { log, calls, failure };
}

describe('the retry step', () => {
  const idempotent: HttpMethod[] = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'];
  const unsafe: HttpMethod[] = ['POST', 'PATCH'];
  const retryable = [408, 429, 502, 503, 504];
  const final = [200, 201, 204, 400, 401, 403, 404, 409, 422, 500];

  it.each(idempotent.flatMap((method) => retryable.map((status) => [method, status] as const)))(
    '%s answered %i is retried until maxAttempts',
    (method, status) => {
      const { calls, log } = run({ method }, [status]);
      expect(calls).toBe(4);
      expect(log.filter(([, e]) => e.startsWith('sent')).map(([, e]) => e)).toEqual([
        'sent#1',
        'sent#2',
        'sent#3',
        'sent#4',
      ]);
      // Only the last attempt's response comes out.
      expect(log[log.length - 1]).toEqual([expect.any(Number), String(status)]);
      expect(log.filter(([, e]) => e === String(status))).toHaveLength(1);
    },
  );

  it.each(unsafe.flatMap((method) => retryable.map((status) => [method, status] as const)))(
    '%s answered %i is not repeated',
    (method, status) => {
      expect(run({ method, body: { a: 1 } }, [status]).calls).toBe(1);
    },
  );

  it.each(retryable)('POST declared idempotent is retried on %i', (status) => {
    expect(run({ method: 'POST', idempotent: true, body: 'x' }, [status, 200]).calls).toBe(2);
  });

  it.each(idempotent.flatMap((method) => final.map((status) => [method, status] as const)))(
    '%s answered %i is final',
    (method, status) => {
      expect(run({ method }, [status]).calls).toBe(1);
    },
  );

  it('waits full-jitter delays between attempts (random pinned to 1: 100, 200, 400 ms)', () => {
    const { log } = run({}, [503, 503, 503, 200]);
    expect(log).toEqual([
      [0, 'sent#1'],
      [100, 'sent#2'],
      [300, 'sent#3'],
      [700, 'sent#4'],
      [700, '200'],
    ]);
  });

  it('honours Retry-After in seconds, capped by maxDelayMs', () => {
    expect(
      run({}, [503, 200], { headers: { 'retry-after': '3' }, policy: { ...policy, maxDelayMs: 10_000 } }).log,
    ).toEqual([
      [0, 'sent#1'],
      [3000, 'sent#2'],
      [3000, '200'],
    ]);
    expect(run({}, [429, 200], { headers: { 'retry-after': '3' } }).log[1]).toEqual([1000, 'sent#2']);
  });

  it('honours Retry-After as an HTTP date', () => {
    // Virtual time starts at 0 = 1970-01-01T00:00:00Z.
    const { log } = run({}, [503, 200], {
      headers: { 'retry-after': 'Thu, 01 Jan 1970 00:00:02 GMT' },
      policy: { ...policy, maxDelayMs: 10_000 },
    });
    expect(log[1]).toEqual([2000, 'sent#2']);
  });

  it('retries network errors for idempotent methods, not for POST', () => {
    const reset = new NetworkError('socket hang up', { code: 'ECONNRESET' });
    expect(run({ method: 'GET' }, [reset, reset, 200]).calls).toBe(3);
    const post = run({ method: 'POST', body: {} }, [reset, 200]);
    expect(post.calls).toBe(1);
    expect(post.failure).toBe(reset);
  });

  it('retries a POST whose connection was refused (nothing was sent)', () => {
    const refused = new NetworkError('connect ECONNREFUSED', { code: 'ECONNREFUSED' });
    expect(run({ method: 'POST', body: {} }, [refused, 201]).calls).toBe(2);
  });

  it('retries connect timeouts but not idle timeouts', () => {
    const connect = new TimeoutError('no connection', { timeoutMs: 1, phase: 'connect' });
    const idle = new TimeoutError('no data', { timeoutMs: 1, phase: 'idle' });
    expect(run({}, [connect, 200]).calls).toBe(2);
    const { calls, failure } = run({}, [idle, 200]);
    expect(calls).toBe(1);
    expect(failure).toBe(idle);
  });

  it('gives up after maxAttempts with the last error', () => {
    const reset = new NetworkError('reset', { code: 'ECONNRESET' });
    const { calls, failure } = run({}, [reset]);
    expect(calls).toBe(4);
    expect(failure).toBe(reset);
  });

  it('never retries a one-shot stream body', () => {
    const stream = { pipe: () => stream, on: () => stream } as unknown as TransportRequest['body'];
    expect(run({ method: 'PUT', body: stream }, [503, 200]).calls).toBe(1);
  });

  it('honours a per-request override', () => {
    expect(run({ retry: { maxAttempts: 1 } }, [503, 200]).calls).toBe(1);
    expect(run({ retry: { maxAttempts: 2 } }, [503, 503, 200]).calls).toBe(2);
  });

  it('does not retry other errors', () => {
    const boom = new Error('boom');
    expect(run({}, [boom, 200]).calls).toBe(1);
  });

  describe('the lifecycle of attempts', () => {
    /** A backend whose attempts answer later (virtual time) and record their teardown. */
    function lateBackend(statuses: readonly number[], answerAfterMs: number) {
      const attempts: Array<{ tornDown: boolean }> = [];
      const next = (): Observable<TransportEvent> =>
        new Observable<TransportEvent>((subscriber) => {
          const record = { tornDown: false };
          const status = statuses[Math.min(attempts.length, statuses.length - 1)]!;
          attempts.push(record);
          subscriber.next({ type: 'sent', attempt: 1 });
          // A retried status's attempt would only complete much later (a body still coming):
          // the step must stop it rather than wait for it.
          const answer = timer(answerAfterMs).subscribe(() => subscriber.next(response(status)));
          const end = timer(answerAfterMs + (status === 200 ? 0 : 1000)).subscribe(() =>
            subscriber.complete(),
          );
          return () => {
            record.tornDown = true;
            answer.unsubscribe();
            end.unsubscribe();
          };
        });
      return { attempts, next };
    }

    it('tears down an attempt whose status is retried, and ignores its completion', () => {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      scheduler.run(({ expectObservable }) => {
        const { attempts, next } = lateBackend([503, 200], 10);
        const step = retryStep(policy, { random: () => 1, now: () => scheduler.now() });
        const events = new Observable<string>((subscriber) =>
          step({ method: 'GET', url: '/x' }, next).subscribe({
            next: (event) =>
              subscriber.next(
                event.type === 'sent'
                  ? `s${event.attempt}`
                  : `r${event.type === 'response' ? event.response.status : ''}`,
              ),
            error: (error: unknown) => subscriber.error(error),
            complete: () => {
              // The retried attempt was stopped before the next one began.
              expect(attempts[0]!.tornDown).toBe(true);
              subscriber.complete();
            },
          }),
        );
        // s1 at 0; 503 at 10 ms is retried after 100 ms: s2 at 110, its 200 at 120.
        expectObservable(events, '^ 200ms !').toBe('a 109ms b 9ms (c|)', { a: 's1', b: 's2', c: 'r200' });
      });
    });

    it('unsubscribing during the wait before a retry makes no further attempt', () => {
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      let attemptsMade = 0;
      scheduler.run(({ expectObservable }) => {
        const { attempts, next } = lateBackend([503], 10);
        const step = retryStep(policy, { random: () => 1, now: () => scheduler.now() });
        // Unsubscribed at 50 ms: the 503 came at 10 ms, the retry was due at 110 ms.
        expectObservable(step({ method: 'GET', url: '/x' }, next), '^ 50ms !').toBe('a', {
          a: { type: 'sent', attempt: 1 },
        });
        scheduler.schedule(() => (attemptsMade = attempts.length), 500);
      });
      expect(attemptsMade).toBe(1);
    });
  });
});
