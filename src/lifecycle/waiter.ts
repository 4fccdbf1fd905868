import { Observable, asyncScheduler, defer, take, timer } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { ApiError, NetworkError, RequestFailedError, TimeoutError, UsageError } from '../errors';
import { backoffDelay } from './backoff';
import type { Jitter } from './backoff';

/** What one observed status means for the waiter. */
export type PollOutcome = 'pending' | 'finished' | 'failed';

export interface WaiterOptions<S> {
  /** Decides whether `status` ends the wait. Required: the waiter knows nothing about S. */
  readonly classify: (status: S) => PollOutcome;
  /**
   * The first sleep and the floor of every sleep. Default 200 ms: with one poll's round trip on
   * top, a short request that ends is still noticed within 250 ms.
   */
  readonly minDelayMs?: number;
  /** The cap of one sleep, a server's `Retry-After` included. Default 5,000 ms. */
  readonly maxDelayMs?: number;
  /**
   * The longest a sleep may be, as a fraction of the time waited so far (never below `minDelayMs`).
   * Default 0.1: a request that ends is noticed within 10% of its duration, so short requests are
   * seen promptly while long ones still back off to `maxDelayMs`. `Infinity` turns the cap off.
   */
  readonly maxLateness?: number;
  /** A deadline from subscription; none by default (CVAT itself kills jobs after hours). */
  readonly maxWaitMs?: number;
  /** Default `full`: uniform in [minDelayMs, ceiling], as AWS waiters draw it. */
  readonly jitter?: Jitter;
  /** Statuses equal to the last emitted one are not emitted again. Default: shallow equality. */
  readonly isSameStatus?: (previous: S, current: S) => boolean;
  /** The request id and server message for the RequestFailedError of a `failed` status. */
  readonly failure?: (status: S) => { readonly requestId: string; readonly message: string };
  /** Which poll errors are retried under the backoff. Default: {@link isTransientPollError}. */
  readonly isTransient?: (error: unknown) => boolean;
  /** Transient poll errors tolerated in a row before the last one is emitted. Default 10. */
  readonly maxConsecutiveErrors?: number;
  /** Names what is awaited in a TimeoutError message, e.g. `request <rq_id>`. */
  readonly description?: string;
  /** Where time comes from; pass a TestScheduler in tests. Default asyncScheduler. */
  readonly scheduler?: SchedulerLike;
  /** A number in [0, 1); pin it in tests. Default Math.random. */
  readonly random?: () => number;
}

export const DEFAULT_MIN_DELAY_MS = 200;
export const DEFAULT_MAX_DELAY_MS = 5_000;
export const DEFAULT_MAX_CONSECUTIVE_ERRORS = 10;
export const DEFAULT_MAX_LATENESS = 0.1;

/**
 * Network errors, request timeouts, 408, 429 and 5xx: a later poll may well succeed.
 * 401, 403, 404 and everything else (decode errors, bugs) fail at once rather than at the deadline.
 */
export function isTransientPollError(error: unknown): boolean {
  if (error instanceof NetworkError || error instanceof TimeoutError) return true;
  if (error instanceof ApiError) return error.status === 408 || error.status === 429 || error.status >= 500;
  return false;
}

/** Own enumerable keys compared with Object.is: enough for flat status records. */
export function shallowEqual<S>(a: S, b: S): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aEntries = new Map<string, unknown>(Object.entries(a));
  const bEntries = new Map<string, unknown>(Object.entries(b));
  if (aEntries.size !== bEntries.size) return false;
  for (const [key, value] of aEntries) {
    if (!bEntries.has(key) || !Object.is(value, bEntries.get(key))) return false;
  }
  return true;
}

interface Settings<S> {
  readonly classify: (status: S) => PollOutcome;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxWaitMs: number | undefined;
  readonly maxLateness: number;
  readonly jitter: Jitter;
  readonly isSameStatus: (previous: S, current: S) => boolean;
  readonly failure: (status: S) => { readonly requestId: string; readonly message: string };
  readonly isTransient: (error: unknown) => boolean;
  readonly maxConsecutiveErrors: number;
  readonly description: string;
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
}

function resolveSettings<S>(options: WaiterOptions<S>): Settings<S> {
  const minDelayMs = options.minDelayMs ?? DEFAULT_MIN_DELAY_MS;
  const maxDelayMs = options.maxDelayMs ?? Math.max(DEFAULT_MAX_DELAY_MS, minDelayMs);
  const maxConsecutiveErrors = options.maxConsecutiveErrors ?? DEFAULT_MAX_CONSECUTIVE_ERRORS;
  const description = options.description ?? 'the server request';
  if (!(Number.isFinite(minDelayMs) && minDelayMs >= 0)) {
    throw new UsageError(`minDelayMs must be a finite number >= 0, got ${String(minDelayMs)}`);
  }
  if (!(Number.isFinite(maxDelayMs) && maxDelayMs >= minDelayMs)) {
    throw new UsageError(
      `maxDelayMs must be a finite number >= minDelayMs (${minDelayMs}), got ${String(maxDelayMs)}`,
    );
  }
  if (options.maxWaitMs !== undefined && !(options.maxWaitMs > 0)) {
    throw new UsageError(`maxWaitMs must be > 0 when given, got ${String(options.maxWaitMs)}`);
  }
  if (options.maxLateness !== undefined && !(options.maxLateness > 0)) {
    throw new UsageError(`maxLateness must be > 0 when given, got ${String(options.maxLateness)}`);
  }
  if (!(maxConsecutiveErrors >= 0)) {
    throw new UsageError(`maxConsecutiveErrors must be >= 0, got ${String(maxConsecutiveErrors)}`);
  }
  return {
    classify: options.classify,
    minDelayMs,
    maxDelayMs,
    maxWaitMs: options.maxWaitMs,
    maxLateness: options.maxLateness ?? DEFAULT_MAX_LATENESS,
    jitter: options.jitter ?? 'full',
    isSameStatus: options.isSameStatus ?? shallowEqual,
    failure: options.failure ?? (() => ({ requestId: description, message: '' })),
    isTransient: options.isTransient ?? isTransientPollError,
    maxConsecutiveErrors,
    description,
    scheduler: options.scheduler ?? asyncScheduler,
    random: options.random ?? Math.random,
  };
}

/**
 * Polls `check` until its status is `finished`, in the manner of an AWS waiter:
 * - the first poll happens at once, on subscription;
 * - then sleeps of capped exponential backoff with jitter (see {@link backoffDelay});
 * - emits each status that differs from the last emitted one, and completes right after the
 *   `finished` one; a `failed` status errors with RequestFailedError (it is not emitted);
 * - transient poll errors (see {@link isTransientPollError}) are retried under the same backoff,
 *   waiting at least the `retryAfterMs` of a 429/503 but never more than `maxDelayMs` (a
 *   hostile `Retry-After: 999999` must not park the loop for days); other errors are emitted at once;
 * - with `maxWaitMs`, errors with TimeoutError (carrying the last status and the number of polls)
 *   as soon as the next poll could not start before the deadline, or at the deadline if a poll
 *   is still in flight then;
 * - unsubscribing cancels the poll in flight and the pending sleep.
 * `check` is called once per poll; it should emit one status (only the first is used).
 */
export function pollUntilDone<S>(check: () => Observable<S>, options: WaiterOptions<S>): Observable<S> {
  return new Observable<S>((subscriber) => {
    let settings: Settings<S>;
    try {
      settings = resolveSettings(options);
    } catch (error) {
      subscriber.error(error);
      return;
    }
    const { scheduler, maxWaitMs } = settings;
    const startedAt = scheduler.now();
    const deadline = maxWaitMs === undefined ? Infinity : startedAt + maxWaitMs;
    let attempts = 0;
    let sleeps = 0;
    let consecutiveErrors = 0;
    let lastSeen: { readonly status: S } | undefined;
    let lastEmitted: { readonly status: S } | undefined;

    const timeoutError = (): TimeoutError =>
      new TimeoutError(
        `${settings.description} did not finish within ${maxWaitMs ?? Infinity} ms (${attempts} poll${attempts === 1 ? '' : 's'})`,
        { timeoutMs: maxWaitMs ?? Infinity, lastStatus: lastSeen?.status, attempts },
      );

    const sleepThenPoll = (retryAfterMs: number | undefined): void => {
      sleeps += 1;
      const elapsed = scheduler.now() - startedAt;
      const lateness = Number.isFinite(settings.maxLateness)
        ? Math.max(settings.minDelayMs, settings.maxLateness * elapsed)
        : Infinity;
      const backoff = Math.min(backoffDelay(sleeps, settings), lateness);
      const delay =
        retryAfterMs === undefined ? backoff : Math.min(settings.maxDelayMs, Math.max(backoff, retryAfterMs));
      // The next poll must start before the deadline; otherwise give up now instead of sleeping.
      if (scheduler.now() + delay >= deadline) {
        subscriber.error(timeoutError());
        return;
      }
      subscriber.add(timer(delay, scheduler).subscribe(() => poll()));
    };

    const onStatus = (status: S): void => {
      consecutiveErrors = 0;
      const outcome = settings.classify(status);
      lastSeen = { status };
      if (outcome === 'failed') {
        const { requestId, message } = settings.failure(status);
        subscriber.error(new RequestFailedError({ requestId, serverMessage: message }));
        return;
      }
      if (lastEmitted === undefined || !settings.isSameStatus(lastEmitted.status, status)) {
        lastEmitted = { status };
        subscriber.next(status);
      }
      if (outcome === 'finished') subscriber.complete();
      else if (!subscriber.closed) sleepThenPoll(undefined);
    };

    const onError = (error: unknown): void => {
      consecutiveErrors += 1;
      if (!settings.isTransient(error) || consecutiveErrors > settings.maxConsecutiveErrors) {
        subscriber.error(error);
        return;
      }
      sleepThenPoll(error instanceof ApiError ? error.retryAfterMs : undefined);
    };

    const poll = (): void => {
      attempts += 1;
      let received = false;
      subscriber.add(
        defer(check)
          .pipe(take(1))
          .subscribe({
            next: (status) => {
              received = true;
              try {
                onStatus(status);
              } catch (error) {
                // A throwing classify/isSameStatus/failure callback is a bug, not a transient failure.
                subscriber.error(error);
              }
            },
            error: onError,
            complete: () => {
              if (!received)
                subscriber.error(new UsageError('the status check completed without emitting a status'));
            },
          }),
      );
    };

    if (deadline !== Infinity) {
      // Bounds a poll still in flight at the deadline; sleeps are checked before they start.
      subscriber.add(
        timer(deadline - startedAt, scheduler).subscribe(() => subscriber.error(timeoutError())),
      );
    }
    poll();
  });
}
