/**
 * Build step: authentication, applied only to requests for the configured host's origin (an
 * absolute URL elsewhere, such as a signed cloud-storage URL, never receives credentials).
 *
 * Exactly one scheme is used, by precedence when several are configured:
 *   1. `accessToken` → `Authorization: Bearer <token>` (personal access token, CVAT ≥ 2.48);
 *   2. `token`       → `Authorization: Token <key>` (legacy API key from `/api/auth/login`);
 *   3. a session     → the jar's `sessionid`/`csrftoken` cookies, no Authorization header;
 *   4. `username` + `password` → `Authorization: Basic …`.
 * With a token scheme the session cookies are withheld (so the server cannot pick the session
 * instead); other cookies (load balancers) still go. `X-CSRFToken` is sent only on unsafe methods
 * (POST, PUT, PATCH, DELETE), only with the `csrftoken` cookie of the same origin. In browsers the
 * browser sends its own cookies (`withCredentials`); the token is read from `document.cookie`.
 * A request that already carries `Authorization` keeps it; `request.withoutAuth` skips this step.
 *
 * The session step stores the `Set-Cookie` lines of every same-origin response, auth or not (the
 * login request itself needs no credentials).
 */
import { tap, type Observable } from 'rxjs';
import type { Configuration } from './configuration';
import { hasHeader, withHeader } from './headers';
import { CSRF_COOKIE, SESSION_COOKIE, type Session } from './session';
import { isSameOrigin, joinUrl } from './url';
import type { Handler, HttpMethod, TransportEvent, TransportRequest } from './types';

export type AuthScheme = 'bearer' | 'token' | 'session' | 'basic' | 'none';

export const UNSAFE_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function chooseAuthScheme(configuration: Configuration, session: Session, url: string): AuthScheme {
  if (configuration.accessToken) return 'bearer';
  if (configuration.token) return 'token';
  if (session.hasSession(url)) return 'session';
  if (configuration.username !== undefined && configuration.password !== undefined) return 'basic';
  return 'none';
}

/** `Basic base64(user:password)`, UTF-8 safe and browser-safe. */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** A configuration's Basic header, encoded once per user and password rather than per request. */
const basicHeaders = new WeakMap<Configuration, { user: string; password: string; header: string }>();
function basicHeaderOf(configuration: Configuration): string {
  const user = configuration.username!;
  const password = configuration.password!;
  const cached = basicHeaders.get(configuration);
  if (cached?.user === user && cached.password === password) return cached.header;
  const header = basicAuthorization(user, password);
  basicHeaders.set(configuration, { user, password, header });
  return header;
}

const TOKEN_COOKIES: ReadonlySet<string> = new Set([SESSION_COOKIE, CSRF_COOKIE]);

export function applyAuth(
  configuration: Configuration,
  session: Session,
  request: TransportRequest,
): TransportRequest {
  if (request.withoutAuth || !isSameOrigin(configuration.host, request.url)) return request;
  const url = joinUrl(configuration.host, request.url);
  const scheme = chooseAuthScheme(configuration, session, url);
  let out = request;
  if (!hasHeader(out.headers, 'Authorization')) {
    if (scheme === 'bearer') out = withHeader(out, 'Authorization', `Bearer ${configuration.accessToken}`);
    else if (scheme === 'token') out = withHeader(out, 'Authorization', `Token ${configuration.token}`);
    else if (scheme === 'basic') {
      out = withHeader(out, 'Authorization', basicHeaderOf(configuration));
    }
  }
  if (session.mode === 'browser') {
    out = { ...out, withCredentials: true };
    const csrf = UNSAFE_METHODS.has(out.method) ? session.csrfToken(url) : undefined;
    return csrf ? withHeader(out, 'X-CSRFToken', csrf) : out;
  }
  const tokenScheme = scheme === 'bearer' || scheme === 'token';
  const cookie = session.cookieHeader(url, tokenScheme ? TOKEN_COOKIES : undefined);
  if (cookie && !hasHeader(out.headers, 'Cookie')) out = withHeader(out, 'Cookie', cookie);
  if (!tokenScheme && UNSAFE_METHODS.has(out.method) && !hasHeader(out.headers, 'X-CSRFToken')) {
    const csrf = session.csrfToken(url);
    if (csrf) out = withHeader(out, 'X-CSRFToken', csrf);
  }
  return out;
}

/** Keeps the cookies of same-origin responses in the session (every attempt's, as they arrive). */
export function sessionStep(configuration: Configuration, session: Session) {
  return (request: TransportRequest, next: Handler): Observable<TransportEvent> => {
    if (!isSameOrigin(configuration.host, request.url)) return next(request);
    const url = joinUrl(configuration.host, request.url);
    return next(request).pipe(
      tap((event) => {
        if (event.type === 'response_headers') session.storeFrom(url, event.headers['set-cookie']);
      }),
    );
  };
}
