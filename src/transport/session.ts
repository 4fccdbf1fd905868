/**
 * Session cookies. In Node a per-Transport cookie jar (shared with the transports derived by
 * `withConfiguration`) keeps what the server sets (`sessionid`, `csrftoken` after
 * `POST /api/auth/login`) and sends it back only to the origin that set it. In browsers the browser
 * owns the cookies: requests to the configured host go `withCredentials`, and the CSRF token is read
 * from `document.cookie` when the page can see it.
 */
import { originOf, pathOf } from './url';

export const SESSION_COOKIE = 'sessionid';
export const CSRF_COOKIE = 'csrftoken';

interface StoredCookie {
  readonly value: string;
  readonly path: string;
  /** Epoch ms; undefined = until the jar is cleared. */
  readonly expiresAt: number | undefined;
  readonly secure: boolean;
}

/** A minimal RFC 6265 jar: host-only cookies keyed by origin, path-matched, expiring. */
export class CookieJar {
  readonly #byOrigin = new Map<string, Map<string, StoredCookie>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Stores the cookies of `Set-Cookie` lines received from `url`. */
  store(url: string, setCookieLines: readonly string[]): void {
    if (setCookieLines.length === 0) return;
    const origin = originOf(url);
    if (!origin) return;
    let cookies = this.#byOrigin.get(origin);
    for (const line of setCookieLines) {
      const parsed = parseSetCookie(line, url, this.now());
      if (!parsed) continue;
      cookies ??= new Map();
      const key = `${parsed.cookie.path}\u0000${parsed.name}`;
      if (parsed.cookie.expiresAt !== undefined && parsed.cookie.expiresAt <= this.now()) cookies.delete(key);
      else cookies.set(key, parsed.cookie);
    }
    if (cookies && cookies.size > 0) this.#byOrigin.set(origin, cookies);
    else this.#byOrigin.delete(origin);
  }

  /** The live cookies for `url`, by name (longest path first, as browsers order them). */
  cookiesFor(url: string): Array<[string, string]> {
    // Most clients use a token and never hold a cookie: skip parsing the URL on every request.
    if (this.#byOrigin.size === 0) return [];
    const origin = originOf(url);
    const cookies = origin ? this.#byOrigin.get(origin) : undefined;
    if (!cookies) return [];
    const path = pathOf(url);
    const secure = url.toLowerCase().startsWith('https:');
    const now = this.now();
    const live: Array<[string, StoredCookie]> = [];
    for (const [key, cookie] of cookies) {
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) {
        cookies.delete(key);
        continue;
      }
      if (cookie.secure && !secure) continue;
      if (!pathMatches(path, cookie.path)) continue;
      live.push([key.slice(key.indexOf('\u0000') + 1), cookie]);
    }
    live.sort((a, b) => b[1].path.length - a[1].path.length);
    return live.map(([name, cookie]) => [name, cookie.value]);
  }

  get(url: string, name: string): string | undefined {
    return this.cookiesFor(url).find(([n]) => n === name)?.[1];
  }

  clear(): void {
    this.#byOrigin.clear();
  }

  /** How many cookies the jar holds (for tests and diagnostics; never their values). */
  get size(): number {
    let n = 0;
    for (const cookies of this.#byOrigin.values()) n += cookies.size;
    return n;
  }

  /** No cookie value ever shows in logs. */
  toJSON(): Record<string, unknown> {
    return { cookies: this.size };
  }
}

function parseSetCookie(
  line: string,
  url: string,
  now: number,
): { name: string; cookie: StoredCookie } | undefined {
  const [pair, ...attributes] = line.split(';');
  const eq = pair?.indexOf('=') ?? -1;
  if (!pair || eq <= 0) return undefined;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (!name) return undefined;
  let path: string | undefined;
  let expiresAt: number | undefined;
  let maxAge: number | undefined;
  let secure = false;
  for (const attribute of attributes) {
    const aeq = attribute.indexOf('=');
    const key = (aeq < 0 ? attribute : attribute.slice(0, aeq)).trim().toLowerCase();
    const val = aeq < 0 ? '' : attribute.slice(aeq + 1).trim();
    if (key === 'path' && val.startsWith('/')) path = val;
    else if (key === 'expires') {
      const date = Date.parse(val);
      if (!Number.isNaN(date)) expiresAt = date;
    } else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
    else if (key === 'secure') secure = true;
  }
  if (maxAge !== undefined) expiresAt = maxAge <= 0 ? now - 1 : now + maxAge * 1000;
  return { name, cookie: { value, path: path ?? defaultPath(url), expiresAt, secure } };
}

function defaultPath(url: string): string {
  const path = pathOf(url);
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

export type SessionMode = 'jar' | 'browser';

/** The session of one Transport family: `clear()` forgets it (logout). */
export class Session {
  readonly mode: SessionMode;
  readonly #jar: CookieJar;

  constructor(options: { mode?: SessionMode; now?: () => number } = {}) {
    this.mode = options.mode ?? 'jar';
    this.#jar = new CookieJar(options.now);
  }

  /** Keeps the `Set-Cookie` lines (joined by `\n`) of a response from `url`. */
  storeFrom(url: string, setCookie: string | undefined): void {
    if (this.mode !== 'jar' || !setCookie) return;
    this.#jar.store(url, setCookie.split('\n'));
  }

  /** The `Cookie` header for `url`, without the cookies named in `exclude`. */
  cookieHeader(url: string, exclude: ReadonlySet<string> = new Set()): string | undefined {
    if (this.mode !== 'jar') return undefined;
    const pairs = this.#jar.cookiesFor(url).filter(([name]) => !exclude.has(name));
    return pairs.length ? pairs.map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }

  /** True when a login session is known for `url` (a `sessionid` cookie). */
  hasSession(url: string): boolean {
    return this.mode === 'jar' && this.#jar.get(url, SESSION_COOKIE) !== undefined;
  }

  /** The CSRF token for unsafe requests to `url`: the jar's `csrftoken`, or `document.cookie` in browsers. */
  csrfToken(url: string): string | undefined {
    if (this.mode === 'jar') return this.#jar.get(url, CSRF_COOKIE);
    return readDocumentCookie(CSRF_COOKIE);
  }

  /** A cookie's value, e.g. to check that login set `sessionid` (Node jar only). */
  cookie(url: string, name: string): string | undefined {
    return this.mode === 'jar' ? this.#jar.get(url, name) : undefined;
  }

  /** Forgets every cookie (logout). In browsers the cookies are the browser's; nothing to do. */
  clear(): void {
    this.#jar.clear();
  }

  toJSON(): Record<string, unknown> {
    return { mode: this.mode, ...this.#jar.toJSON() };
  }
}

function readDocumentCookie(name: string): string | undefined {
  const doc = (globalThis as { document?: { cookie?: unknown } }).document;
  const cookie = typeof doc?.cookie === 'string' ? doc.cookie : '';
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
