/**
 * One retry policy for every request.
 *
 * What is retried: requests whose body can be sent again (not a one-shot stream) and that are
 * idempotent (GET, HEAD, PUT, DELETE, OPTIONS, or `request.idempotent === true`), when the
 * attempt ended in a `NetworkError` (no response), a connect `TimeoutError`, or a 408, 429, 502,
 * 503 or 504. A POST or PATCH is never repeated once its body may have reached the server; it is
 * retried only when the connection was refused (nothing was sent). Idle timeouts are not retried:
 * a server that went silent mid-response is not worth waiting for again.
 *
 * When: `Retry-After` (seconds or an HTTP date) when the response has it, capped by `maxDelayMs`;
 * otherwise full jitter, `random() × baseDelayMs × 2^n` capped by `maxDelayMs` (AWS util-retry).
 *
 * The state of one request's retries lives in the closures of its subscription, never on the request.
 */
import { defer, map, retry, throwError, timer, type Observable } from 'rxjs';
import { NetworkError, TimeoutError } from '../errors';
import { findHeader } from './headers';
import { isReplayable } from './body';
import type {
  ApiResponse,
  Handler,
  HttpMethod,
  RetryPolicy,
  TransportEvent,
  TransportRequest,
} from './types';

export const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set([
  'GET',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
]);
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);
/** Network error codes that prove the request never left: safe to repeat even for a POST. */
const NOTHING_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED']);

/**
 * The delay a `Retry-After` header asks for, in ms: delta-seconds (`120`) or an HTTP date
 * (relative to `nowMs`, never negative). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // HTTP dates always name a day and month (`Wed, 21 Oct 2015 07:28:00 GMT`); plain numbers are not dates.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Full jitter for the retry numbered `retryIndex` (0 for the first retry): `random() × base × 2^n`, capped. */
export function fullJitterDelay(
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}

/** The delay before the retry numbered `retryIndex`: `Retry-After` when given (capped), else full jitter. */
export function retryDelay(
  retryIndex: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  return fullJitterDelay(retryIndex, policy, random);
}

export function isIdempotent(request: Pick<TransportRequest, 'method' | 'idempotent'>): boolean {
  return request.idempotent === true || IDEMPOTENT_METHODS.has(request.method);
}

/** A retryable response of an attempt that is not the last; caught by the retry operator, never emitted. */
export class RetryableResponse extends Error {
  override readonly name = 'RetryableResponse';
  constructor(readonly response: ApiResponse) {
    super(`retryable status ${response.status}`);
  }
}

/** Whether a failed attempt of this request may be repeated. */
export function shouldRetry(request: TransportRequest, error: unknown): boolean {
  if (!isReplayable(request.body)) return false;
  const idempotent = isIdempotent(request);
  if (error instanceof RetryableResponse) return idempotent && RETRYABLE_STATUSES.has(error.response.status);
  if (error instanceof NetworkError) return idempotent || NOTHING_SENT_CODES.has(error.code ?? '');
  if (error instanceof TimeoutError) return error.phase === 'connect';
  return false;
}

/** The effective policy of a request: the configuration's, with the request's own overrides. */
export function effectivePolicy(defaults: RetryPolicy, request: TransportRequest): RetryPolicy {
  const policy = { ...defaults, ...request.retry };
  return { ...policy, maxAttempts: Math.max(1, Math.floor(policy.maxAttempts)) };
}

export interface RetryStepOptions {
  readonly random?: () => number;
  readonly now?: () => number;
}

/**
 * The retry step of the chain. Every attempt re-runs everything inside it (the backend) and emits
 * its own `sent` event, numbered. A retryable status of an attempt that is not the last is turned
 * into a retry; the last attempt's response is emitted as it is.
 */
export function retryStep(defaults: RetryPolicy, options: RetryStepOptions = {}) {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  return (request: TransportRequest, next: Handler): Observable<TransportEvent> => {
    const policy = effectivePolicy(defaults, request);
    if (policy.maxAttempts === 1 || !isReplayable(request.body)) return next(request);
    const retryable = isIdempotent(request);
    let attempt = 0;
    const once = defer(() => {
      const current = ++attempt;
      return next(request).pipe(
        map((event): TransportEvent => {
          if (event.type === 'sent') return { ...event, attempt: current };
          if (
            event.type === 'response' &&
            retryable &&
            current < policy.maxAttempts &&
            RETRYABLE_STATUSES.has(event.response.status)
          ) {
            throw new RetryableResponse(event.response);
          }
          return event;
        }),
      );
    });
    return once.pipe(
      retry({
        count: policy.maxAttempts - 1,
        delay: (error: unknown, retryCount: number) => {
          if (!shouldRetry(request, error)) return throwError(() => error);
          const retryAfter =
            error instanceof RetryableResponse
              ? parseRetryAfter(findHeader(error.response.headers, 'retry-after'), now())
              : undefined;
          return timer(retryDelay(retryCount - 1, policy, retryAfter, random));
        },
      }),
    );
  };
}
