import type { Ctx } from './context';
import { detail } from './errors';

export type Handler = (ctx: Ctx) => Promise<void> | void;

export interface RouteOptions {
  /** Reachable without credentials. */
  public?: boolean;
}

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
  options: RouteOptions;
}

export type Match =
  | {
      kind: 'found';
      handler: Handler;
      params: Record<string, string>;
      options: RouteOptions;
      pattern: string;
    }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'not_found' };

/**
 * Path patterns use `:name` segments (`:id` only matches digits). A trailing slash is optional,
 * as in CVAT's router.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    const names: string[] = [];
    const source = pattern
      .replace(/\/$/, '')
      .split('/')
      .map((seg) => {
        if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const name = seg.slice(1);
        names.push(name);
        return name === 'id' || name.endsWith('_id') ? '(\\d+)' : '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, pattern, regex: new RegExp(`^${source}/?$`), names, handler, options });
    return this;
  }

  /** Every registered method and pattern (fuzz tests walk them). */
  list(): Array<{ method: string; pattern: string }> {
    return this.routes.map((r) => ({ method: r.method, pattern: r.pattern }));
  }

  match(method: string, path: string): Match {
    const allowed: string[] = [];
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) {
        const params: Record<string, string> = {};
        r.names.forEach((n, i) => (params[n] = decodeSegment(m[i + 1] ?? '')));
        return { kind: 'found', handler: r.handler, params, options: r.options, pattern: r.pattern };
      }
      allowed.push(r.method);
    }
    return allowed.length ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
  }
}

/** A percent-encoded path segment; a malformed escape is the client's error (400), not a fault. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw detail(400, 'Malformed percent-encoding in the request path.');
  }
}
