import { catchError, defer, of, shareReplay, switchMap, tap, throwError, type Observable } from 'rxjs';
import { type CvatClient, makeClient } from '../client';
import { detectHost, hasScheme } from '../client/scheme';
import { nodePlatform } from '../node/platform';
import { Configuration } from '../transport/configuration';
import { redactUrl } from '../transport/redact';
import type { Interceptor } from '../transport/types';
import type { ConnectionOptions } from './backend';

/** `--debug`: one line per request sent and per response received (URLs without credentials). */
function debugInterceptor(sink: (line: string) => void): Interceptor {
  return (request, next) => {
    sink(`-> ${request.method} ${redactUrl(request.url)}`);
    return next(request).pipe(
      tap((event) => {
        if (event.type === 'response')
          sink(`<- ${event.response.status} ${request.method} ${redactUrl(request.url)}`);
      }),
    );
  };
}

/** The client as configured by the global options, before any login. */
export function makeCliClient(options: ConnectionOptions): CvatClient {
  const interceptors = options.debug ? [debugInterceptor(options.debug)] : [];
  const warn = options.debug ?? ((message: string) => void message);
  return makeClient({
    host: options.host,
    ...(options.organization === undefined ? {} : { organization: options.organization }),
    ...(options.credentials.kind === 'token' ? { credentials: { token: options.credentials.token } } : {}),
    config: {
      platform: nodePlatform,
      transport: { verifySsl: options.verifySsl, interceptors },
      logger: { warn },
    },
  });
}

/**
 * The server's URL with its scheme. A host given without one is probed (https, then http) here,
 * once, so that every later URL (TUS locations, export results) is resolved against a full URL.
 */
function serverUrl(options: ConnectionOptions): Observable<string> {
  if (hasScheme(options.host)) return of(options.host);
  return detectHost(
    options.host,
    new Configuration({ host: options.host, verifySsl: options.verifySsl }),
    {},
  );
}

/**
 * A logged-in client, made once per backend on first use and shared by later commands: a password
 * is traded for a token (`POST /api/auth/login`), a personal access token is used as it is.
 * A failed login is not cached, so a later subscription tries again.
 */
export function loginOnce(options: ConnectionOptions): Observable<CvatClient> {
  let cached: Observable<CvatClient> | undefined;
  return defer(() => {
    if (cached) return cached;
    const credentials = options.credentials;
    const login$ = serverUrl(options).pipe(
      switchMap((host) => {
        const client = makeCliClient({ ...options, host });
        return credentials.kind === 'token'
          ? of(client)
          : client.login({ username: credentials.username, password: credentials.password });
      }),
    );
    const shared = login$.pipe(
      catchError((error: unknown) => {
        cached = undefined;
        return throwError(() => error);
      }),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
    cached = shared;
    return shared;
  });
}
