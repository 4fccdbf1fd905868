import type { Observable } from 'rxjs';
import { of, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ApiError, NetworkError } from '../../src/errors';
import type { RequestStatus } from '../../src/lifecycle/request-status';
import {
  StatusLoopRegistry,
  isEndpointMissing,
  shareStatus,
  watchRequest,
  withLegacyFallback,
} from '../../src/lifecycle/watch';

const status = (state: RequestStatus['status'], progress?: number): RequestStatus => ({
  id: 'rq-1',
  status: state,
  progress,
  message: '',
});

const apiError = (code: number, body?: unknown): ApiError =>
  new ApiError({ status: code, method: 'GET', url: 'http://cvat.local/api/requests/rq-1', body });

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/** Answers queued, started 0.5, finished on successive calls, and records call times. */
function threeStep(scheduler: TestScheduler) {
  const calls: number[] = [];
  const answers = [status('queued'), status('started', 0.5), status('finished', 1)];
  const check = (): Observable<RequestStatus> => {
    calls.push(scheduler.now());
    return of(answers[Math.min(calls.length - 1, answers.length - 1)]);
  };
  return { check, calls, values: { q: answers[0], s: answers[1], f: answers[2] } };
}

// min = max = 10 and no jitter: polls at 0, 10, 20.
const steady = { minDelayMs: 10, maxDelayMs: 10, jitter: 'none', maxLateness: Infinity } as const;

describe('shareStatus', () => {
  it('runs one poll loop for two subscribers; the late one gets the latest status at once', () => {
    ts.run(({ expectObservable }) => {
      const { check, calls, values } = threeStep(ts);
      const status$ = watchRequest(check, steady).pipe(shareStatus());
      expectObservable(status$).toBe('q 9ms s 9ms (f|)', values);
      expectObservable(status$, '12ms ^').toBe('12ms s 7ms (f|)', values);
      ts.flush();
      expect(calls).toEqual([0, 10, 20]);
    });
  });

  it('replays the final status to a subscriber arriving after completion, without polling', () => {
    ts.run(({ expectObservable }) => {
      const { check, calls, values } = threeStep(ts);
      const status$ = watchRequest(check, steady).pipe(shareStatus());
      expectObservable(status$).toBe('q 9ms s 9ms (f|)', values);
      expectObservable(status$, '100ms ^').toBe('100ms (f|)', values);
      ts.flush();
      expect(calls).toEqual([0, 10, 20]);
    });
  });

  it('stops polling when the last subscriber leaves, and starts afresh for the next one', () => {
    ts.run(({ expectObservable }) => {
      const { check, calls, values } = threeStep(ts);
      const status$ = watchRequest(check, steady).pipe(shareStatus());
      expectObservable(status$, '^ 4ms !').toBe('q', values);
      expectObservable(status$, '^ 14ms !').toBe('q 9ms s', values);
      // Nobody between 15 and 50: no polls. The next subscriber does not see stale values.
      expectObservable(status$, '50ms ^').toBe('50ms (f|)', values);
      ts.flush();
      expect(calls).toEqual([0, 10, 50]);
    });
  });

  it('resets after an error, so a later subscriber polls again', () => {
    ts.run(({ expectObservable }) => {
      const calls: number[] = [];
      const check = (): Observable<RequestStatus> => {
        calls.push(ts.now());
        return calls.length === 1
          ? throwError(() => apiError(404, { detail: 'Not found' }))
          : of(status('finished'));
      };
      const status$ = watchRequest(check, steady).pipe(shareStatus());
      expectObservable(status$).toBe('#', undefined, expect.objectContaining({ status: 404 }));
      expectObservable(status$, '30ms ^').toBe('30ms (f|)', { f: status('finished') });
      ts.flush();
      expect(calls).toEqual([0, 30]);
    });
  });
});

describe('StatusLoopRegistry', () => {
  it('shares one loop per key across separate watch() calls and forgets it when it ends', () => {
    ts.run(({ expectObservable }) => {
      const registry = new StatusLoopRegistry<RequestStatus>();
      const a = threeStep(ts);
      const b = threeStep(ts);
      const start = () => watchRequest(a.check, steady);
      expectObservable(registry.watch('rq-1', start)).toBe('q 9ms s 9ms (f|)', a.values);
      expectObservable(registry.watch('rq-1', start), '5ms ^').toBe('5ms q 4ms s 9ms (f|)', a.values);
      expectObservable(registry.watch('rq-2', () => watchRequest(b.check, steady))).toBe(
        'q 9ms s 9ms (f|)',
        b.values,
      );
      ts.schedule(() => expect(registry.size).toBe(2), 15);
      ts.flush();
      expect(a.calls).toEqual([0, 10, 20]);
      expect(b.calls).toEqual([0, 10, 20]);
      expect(registry.size).toBe(0);
    });
  });
});

describe('withLegacyFallback', () => {
  const legacyStatus = { ...status('started', 0.3), id: 'task:7' };

  function fetchers(primaryError: unknown) {
    const counts = { primary: 0, legacy: 0 };
    const primary = () => {
      counts.primary += 1;
      return throwError(() => primaryError);
    };
    const legacy = () => {
      counts.legacy += 1;
      return of(legacyStatus);
    };
    return { counts, fetch: withLegacyFallback(primary, legacy) };
  }

  it.each([
    ['a 404 with an HTML page', apiError(404, '<h1>Not Found</h1>')],
    ['a 404 without a body', apiError(404)],
    ['a 405', apiError(405, { detail: 'Method "GET" not allowed.' })],
  ])('switches to the legacy endpoint for good after %s', (_label, error) => {
    const { counts, fetch } = fetchers(error);
    const seen: RequestStatus[] = [];
    fetch().subscribe((s) => seen.push(s));
    fetch().subscribe((s) => seen.push(s));
    expect(seen).toEqual([legacyStatus, legacyStatus]);
    expect(counts).toEqual({ primary: 1, legacy: 2 });
  });

  it.each([
    ['a 404 with DRF detail (unknown or expired rq_id)', apiError(404, { detail: 'Not found.' })],
    ['a 403', apiError(403)],
    ['a network error', new NetworkError('down')],
  ])('passes %s through without falling back', (_label, error) => {
    const { counts, fetch } = fetchers(error);
    let caught: unknown;
    fetch().subscribe({ error: (e: unknown) => (caught = e) });
    expect(caught).toBe(error);
    expect(counts).toEqual({ primary: 1, legacy: 0 });
  });

  it('does nothing before subscription', () => {
    const { counts, fetch } = fetchers(apiError(405));
    fetch();
    expect(counts).toEqual({ primary: 0, legacy: 0 });
  });

  it('accepts a custom unsupported predicate', () => {
    const primary = () => throwError(() => apiError(501));
    const fetch = withLegacyFallback(primary, () => of(legacyStatus), {
      isUnsupported: (e) => e instanceof ApiError && e.status === 501,
    });
    let seen: RequestStatus | undefined;
    fetch().subscribe((s) => (seen = s));
    expect(seen).toEqual(legacyStatus);
  });

  it('isEndpointMissing only accepts ApiErrors that mean a missing route', () => {
    expect(isEndpointMissing(apiError(404, 'Not Found'))).toBe(true);
    expect(isEndpointMissing(apiError(404, { detail: 'x' }))).toBe(false);
    expect(isEndpointMissing(apiError(500))).toBe(false);
    expect(isEndpointMissing(new Error('x'))).toBe(false);
  });
});
