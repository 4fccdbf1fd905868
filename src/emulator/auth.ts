import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Ctx } from './context';
import { detail, forbidden } from './errors';
import type { UserRec } from './model';
import { now } from './model';
import type { State } from './state';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const randomKey = (bytes = 20): string => randomBytes(bytes).toString('hex');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (raw ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
  }
  return out;
}

export function checkPassword(state: State, login: string, password: string): UserRec | undefined {
  for (const u of state.users.values()) {
    if (
      (u.username === login || (u.email !== '' && u.email === login)) &&
      u.is_active &&
      sameText(u.password, password)
    )
      return u;
  }
  return undefined;
}

/**
 * Authenticates like CVAT's DRF stack: Token (legacy), Bearer (personal access token), Basic,
 * then the session cookie (with Django's CSRF check on unsafe methods). Invalid credentials are
 * a 401 even on public routes, as in DRF.
 */
export function authenticate(ctx: Ctx): void {
  const state = ctx.emu.state;
  const authorization = ctx.header('authorization');
  if (authorization) {
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'token') {
      const userId = state.tokenKeys.get(value);
      const user = userId === undefined ? undefined : state.users.get(userId);
      if (!user || !user.is_active) throw detail(401, 'Invalid token.');
      ctx.user = user;
      ctx.authKind = 'token';
      return;
    }
    if (scheme === 'bearer') {
      const token = [...state.accessTokens.values()].find((t) => sameText(t.value, value));
      const user = token ? state.users.get(token.owner_id) : undefined;
      if (!token || !user || !user.is_active) throw detail(401, 'Invalid token.');
      if (token.expiry_date && Date.parse(token.expiry_date) <= Date.now())
        throw detail(401, 'Token has expired.');
      token.last_used_date = now();
      if (token.read_only && !SAFE_METHODS.has(ctx.method)) throw forbidden('This token is read-only.');
      ctx.user = user;
      ctx.authKind = 'bearer';
      ctx.accessTokenId = token.id;
      return;
    }
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user =
        colon < 0 ? undefined : checkPassword(state, decoded.slice(0, colon), decoded.slice(colon + 1));
      if (!user) throw detail(401, 'Invalid username/password.', { 'WWW-Authenticate': 'Basic realm="api"' });
      ctx.user = user;
      ctx.authKind = 'basic';
      return;
    }
  }
  const cookies = parseCookies(ctx.header('cookie'));
  const sessionId = cookies.get('sessionid');
  const session = sessionId ? state.sessions.get(sessionId) : undefined;
  const user = session ? state.users.get(session.userId) : undefined;
  if (!session || !user) return;
  if (!SAFE_METHODS.has(ctx.method)) {
    const cookie = cookies.get('csrftoken');
    const sent = ctx.header('x-csrftoken');
    if (!cookie) throw forbidden('CSRF Failed: CSRF cookie not set.');
    if (!sent) throw forbidden('CSRF Failed: CSRF token missing.');
    if (!sameText(sent, cookie)) throw forbidden('CSRF Failed: CSRF token incorrect.');
  }
  ctx.user = user;
  ctx.authKind = 'session';
}
