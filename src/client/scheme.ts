import type { Observable } from 'rxjs';
import {
  EMPTY,
  catchError,
  concat,
  defer,
  filter,
  map,
  shareReplay,
  switchMap,
  take,
  throwError,
} from 'rxjs';
import { NetworkError } from '../errors';
import type { Configuration } from '../transport/configuration';
import { redactUrl } from '../transport/redact';
import { Transport, type RequestOptions, type TransportOptions } from '../transport/transport';
import type { ApiResponse, TransportEvent, TransportRequest } from '../transport/types';

const SCHEMES = ['https', 'http'] as const;
const PROBE_TIMEOUT_MS = 5_000;

export function hasScheme(host: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(host);
}

/**
 * Finds the scheme of a host given without one, as CVAT's Python SDK does: https first, then http,
 * each probed with `GET /api/server/about`; 200 and 401 (servers before 2.3) both mean "a CVAT".
 */
export function detectHost(
  host: string,
  configuration: Configuration,
  options: TransportOptions,
): Observable<string> {
  const probe = (candidate: string): Observable<string> =>
    defer(() =>
      new Transport(configuration.with({ host: candidate }), options).request(
        {
          method: 'GET',
          url: '/api/server/about',
          withoutAuth: true,
          withoutOrganization: true,
          retry: { maxAttempts: 1 },
          timeouts: { connectMs: PROBE_TIMEOUT_MS, idleMs: PROBE_TIMEOUT_MS },
          operationId: 'server_retrieve_about',
        },
        { checkStatus: false },
      ),
    ).pipe(
      filter((response) => response.status === 200 || response.status === 401),
      map(() => candidate),
      catchError(() => EMPTY),
    );
  // The first scheme that answers wins; when none does, the trailing error is reached.
  return concat(
    ...SCHEMES.map((scheme) => probe(`${scheme}://${host}`)),
    throwError(() => new NetworkError(`no CVAT server answers at ${redactUrl(host)} over https or http`)),
  ).pipe(take(1));
}

/**
 * A transport whose host is found on first use. The detection runs once per client family (it is
 * shared with every transport derived through `withConfiguration`, as is the session), again after
 * a failure, and is abandoned when every subscriber leaves before it ends.
 */
export class DeferredHostTransport extends Transport {
  private readonly base$: Observable<Transport>;
  private readonly resolved$: Observable<Transport>;

  constructor(configuration: Configuration, options: TransportOptions = {}, base$?: Observable<Transport>) {
    super(configuration, options);
    const session = this.session;
    this.base$ =
      base$ ??
      detectHost(configuration.host, configuration, options).pipe(
        map((host) => new Transport(configuration.with({ host }), { ...options, session })),
        shareReplay({ bufferSize: 1, refCount: true }),
      );
    this.resolved$ = this.base$.pipe(
      map((base) => base.withConfiguration(configuration.with({ host: base.configuration.host }))),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
  }

  override events(request: TransportRequest): Observable<TransportEvent> {
    return this.resolved$.pipe(switchMap((transport) => transport.events(request)));
  }

  override request(request: TransportRequest, options: RequestOptions = {}): Observable<ApiResponse> {
    return this.resolved$.pipe(switchMap((transport) => transport.request(request, options)));
  }

  override withConfiguration(configuration: Configuration): Transport {
    return new DeferredHostTransport(configuration, { ...this.options, session: this.session }, this.base$);
  }
}
