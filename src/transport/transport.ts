import { Observable } from 'rxjs';
import { ApiError, NetworkError } from '../errors';
import { applyAuth, sessionStep } from './auth';
import { createAxiosBackend } from './backend-axios';
import { composeChain } from './chain';
import type { Configuration } from './configuration';
import { applyDefaults } from './defaults';
import { findHeader } from './headers';
import { applyOrganization } from './organization';
import { redactUrl } from './redact';
import { isOk } from './response';
import { parseRetryAfter, retryStep } from './retry';
import { asNodeBuiltins, detectNodeModules, type NodeModules } from './runtime';
import { Session } from './session';
import type { ApiResponse, Handler, Interceptor, TransportEvent, TransportRequest } from './types';
import { buildUrl } from './url';

export interface TransportOptions {
  /** Replaces the axios backend (tests, custom stacks). */
  readonly backend?: Handler;
  /** The session (cookie jar) to use; `withConfiguration` passes its own on. Default: a new one. */
  readonly session?: Session;
  /** Forces the Node or browser code path; detected by default. */
  readonly platform?: 'node' | 'browser';
  /** Node's `stream`, `http`, `https`, when `process.getBuiltinModule` is not available. */
  readonly node?: NodeModules;
  /** The random source of the retry jitter (tests pin it). */
  readonly random?: () => number;
}

export interface RequestOptions {
  /** When false, non-2xx responses are emitted instead of raised as `ApiError`. Default true. */
  readonly checkStatus?: boolean;
}

/**
 * Turns requests into cold Observables over one axios instance per Transport. Every request runs
 * through a fixed chain of steps, outermost first:
 *
 *   1. session — the cookies of every response are stored (auth.ts);
 *   2. initialize and build, one rewrite of the request — defaults (`Accept:
 *      application/vnd.cvat+json`, configured headers, JSON Content-Type), the organization
 *      context (organization.ts), then auth and CSRF (auth.ts; precedence: accessToken > token >
 *      session cookies > basic);
 *   3. user interceptors (`configuration.interceptors`, the first outermost): they see the request
 *      once, with auth applied, and every event of every attempt (each attempt begins with its own
 *      `sent` event, numbered);
 *   4. retry (retry.ts): re-runs only what is inside it;
 *   5. the backend (backend-axios.ts): one attempt, timeouts, progress, cancellation.
 *
 * Everything happens on subscribe; unsubscribing aborts the request in flight.
 */
export class Transport {
  /** The session shared by this transport and the ones derived from it; `session.clear()` logs out locally. */
  readonly session: Session;
  private readonly handler: Handler;

  constructor(
    readonly configuration: Configuration,
    readonly options: TransportOptions = {},
  ) {
    const node =
      options.platform === 'browser'
        ? undefined
        : options.node
          ? asNodeBuiltins(options.node)
          : detectNodeModules();
    const platform = options.platform ?? (node ? 'node' : 'browser');
    this.session = options.session ?? new Session({ mode: platform === 'node' ? 'jar' : 'browser' });
    const backend =
      options.backend ?? createAxiosBackend(configuration, { node: platform === 'node' ? node : undefined });
    const session = this.session;
    const steps: Interceptor[] = [
      sessionStep(configuration, session),
      // Initialize and build are pure rewrites of the request, so they run as one step (each step
      // is a deferred Observable per call): defaults, then the organization, then auth.
      (request, next) =>
        next(
          applyAuth(
            configuration,
            session,
            applyOrganization(configuration, applyDefaults(configuration, request)),
          ),
        ),
      ...configuration.interceptors,
      retryStep(configuration.retry, { random: options.random }),
    ];
    this.handler = composeChain(steps, backend);
    // The configuration holds credentials; keep it out of util.inspect of the transport.
    Object.defineProperty(this, 'configuration', { enumerable: false });
    Object.defineProperty(this, 'handler', { enumerable: false });
  }

  /** Every event of one request (retries show as repeated `sent` events). */
  events(request: TransportRequest): Observable<TransportEvent> {
    return this.handler(request);
  }

  /** The final response; non-2xx statuses become `ApiError` unless `checkStatus: false`. */
  request(request: TransportRequest, options: RequestOptions = {}): Observable<ApiResponse> {
    const checkStatus = options.checkStatus ?? true;
    // One subscriber instead of a filter/takeLast/throwIfEmpty/map chain: this runs for every call.
    return new Observable<ApiResponse>((subscriber) => {
      let last: ApiResponse | undefined;
      return this.events(request).subscribe({
        next: (event) => {
          if (event.type === 'response') last = event.response;
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (last === undefined) {
            subscriber.error(
              new NetworkError('the request ended without a response', {
                method: request.method,
                url: redactUrl(buildUrl(this.configuration.host, request.url, request.query)),
              }),
            );
          } else if (checkStatus && !isOk(last.status)) subscriber.error(toApiError(request, last));
          else {
            subscriber.next(last);
            subscriber.complete();
          }
        },
      });
    });
  }

  /** A transport for a derived configuration sharing this one's session (cookies, CSRF token). */
  withConfiguration(configuration: Configuration): Transport {
    return new Transport(configuration, { ...this.options, session: this.session });
  }
}

/** The `ApiError` for a response the caller did not accept. */
export function toApiError(request: TransportRequest, response: ApiResponse): ApiError {
  return apiErrorFrom(
    response,
    request.operationId === undefined ? {} : { operationId: request.operationId },
  );
}

/** The `ApiError` for a response, with its `Retry-After` read; the one place such errors are made. */
export function apiErrorFrom(
  response: ApiResponse,
  init: { readonly operationId?: string; readonly cause?: unknown } = {},
): ApiError {
  return new ApiError({
    status: response.status,
    method: response.method,
    url: response.url,
    body: response.body,
    headers: response.headers,
    ...init,
    retryAfterMs: parseRetryAfter(findHeader(response.headers, 'retry-after')),
  });
}
