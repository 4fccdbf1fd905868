import type { QueryParams, QueryScalar } from './types';

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** True for `http://…`-style URLs; anything else is a path under the configured host. */
export function isAbsoluteUrl(url: string): boolean {
  return ABSOLUTE.test(url);
}

/**
 * Joins the configured host (which may carry a path prefix) and a request path. Exactly one slash
 * joins them, and the path's own trailing slash is kept: CVAT's routes (`/api/tasks/`) need it.
 */
export function joinUrl(host: string, path: string): string {
  if (isAbsoluteUrl(path)) return path;
  const base = host.replace(/\/+$/, '');
  if (path === '') return base;
  return path.startsWith('/') ? `${base}${path}` : `${base}/${path}`;
}

function scalar(value: QueryScalar): string {
  return typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
}

/**
 * Serializes query parameters the way Django reads them: arrays repeat the key (`id=1&id=2`),
 * booleans become `true`/`false`, `null` and `undefined` are dropped, an empty string is kept
 * (`org=` selects the personal workspace).
 */
export function serializeQuery(query: QueryParams | undefined): string {
  if (!query) return '';
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    const values: readonly QueryScalar[] = Array.isArray(value) ? value : [value as QueryScalar];
    for (const item of values) pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(scalar(item))}`);
  }
  return pairs.join('&');
}

/** The full URL of a request: host + path, then the query appended to any query the path already has. */
export function buildUrl(host: string, path: string, query?: QueryParams): string {
  const url = joinUrl(host, path);
  const search = serializeQuery(query);
  if (!search) return url;
  return `${url}${url.includes('?') ? (url.endsWith('?') || url.endsWith('&') ? '' : '&') : '?'}${search}`;
}

/** `scheme://host[:port]` of a URL, lower-cased, or undefined when it does not parse. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? undefined : parsed.origin;
  } catch {
    return undefined;
  }
}

/** True when a request path (or absolute URL) goes to the configured host's origin. */
export function isSameOrigin(host: string, path: string): boolean {
  if (!isAbsoluteUrl(path)) return true;
  const a = originOf(host);
  return a !== undefined && a === originOf(path);
}

/** The names of the query parameters already present in a URL's own query string. */
export function queryNamesIn(url: string): Set<string> {
  const names = new Set<string>();
  const start = url.indexOf('?');
  if (start < 0) return names;
  for (const pair of url
    .slice(start + 1)
    .split('#')[0]!
    .split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const raw = eq < 0 ? pair : pair.slice(0, eq);
    try {
      names.add(decodeURIComponent(raw.replace(/\+/g, ' ')));
    } catch {
      names.add(raw);
    }
  }
  return names;
}

/** The path of a URL (`/api/tasks/`), for cookie path matching. */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname || '/';
  } catch {
    return '/';
  }
}
