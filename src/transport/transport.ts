import type { Observable } from 'rxjs';
import type { Configuration } from './configuration';
import type { ApiResponse, Handler, TransportEvent, TransportRequest } from './types';

export interface TransportOptions {
  /** Replaces the axios backend (tests, custom stacks). */
  readonly backend?: Handler;
}

export interface RequestOptions {
  /** When false, non-2xx responses are emitted instead of raised as `ApiError`. Default true. */
  readonly checkStatus?: boolean;
}

/**
 * Turns requests into cold Observables over one axios instance per configuration:
 * defaults and organization context → auth (incl. session cookies and CSRF) → user interceptors →
 * retry → backend. (SKELETON: being implemented.)
 */
export class Transport {
  constructor(
    readonly configuration: Configuration,
    readonly options: TransportOptions = {},
  ) {}

  /** Every event of one request (retries show as repeated `sent` events). */
  events(request: TransportRequest): Observable<TransportEvent> {
    throw new Error(`not implemented: ${request.method}`);
  }

  /** The final response; non-2xx statuses become `ApiError` unless `checkStatus: false`. */
  request(request: TransportRequest, options: RequestOptions = {}): Observable<ApiResponse> {
    throw new Error(`not implemented: ${request.method} ${String(options.checkStatus)}`);
  }

  /** A transport for a derived configuration sharing this one's session (cookies, CSRF token). */
  withConfiguration(configuration: Configuration): Transport {
    return new Transport(configuration, this.options);
  }
}
