import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson } from './body';
import { formParams } from './data/uploads';
import { detail } from './errors';
import type { UserRec } from './model';
import type { OrgContext } from './orgs';
import type { Emulator } from './server';

export type AuthKind = 'basic' | 'token' | 'session' | 'bearer' | 'none';

/** One request being handled: parsed URL, route params, the authenticated user and reply helpers. */
export class Ctx {
  readonly method: string;
  readonly url: URL;
  params: Record<string, string> = {};
  user: UserRec | null = null;
  authKind: AuthKind = 'none';
  accessTokenId: number | null = null;
  private orgCache: OrgContext | undefined;

  constructor(
    readonly emu: Emulator,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    this.url = new URL(req.url ?? '/', this.base);
  }

  get path(): string {
    return this.url.pathname;
  }

  get query(): URLSearchParams {
    return this.url.searchParams;
  }

  /** Scheme and host the client used: absolute URLs in responses are built from it, as CVAT does. */
  get base(): string {
    const host = header(this.req, 'x-forwarded-host') ?? header(this.req, 'host') ?? 'localhost';
    const proto = header(this.req, 'x-forwarded-proto') ?? 'http';
    return `${proto}://${host}`;
  }

  abs(path: string): string {
    return this.base + path;
  }

  header(name: string): string | undefined {
    return header(this.req, name);
  }

  requireUser(): UserRec {
    if (!this.user) throw detail(401, 'Authentication credentials were not provided.');
    return this.user;
  }

  get org(): OrgContext {
    if (!this.orgCache) this.orgCache = this.emu.orgs.resolve(this);
    return this.orgCache;
  }

  param(name: string): number {
    const v = Number(this.params[name]);
    if (!Number.isInteger(v)) throw detail(404, 'Not found.');
    return v;
  }

  async readBody(limit = 64 * 1024 * 1024): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw detail(413, 'Request body is too large.');
      parts.push(chunk);
    }
    return Buffer.concat(parts, size);
  }

  /** The request body as DRF parses it: JSON, or a urlencoded form. */
  async readJson(): Promise<unknown> {
    const text = (await this.readBody()).toString('utf8');
    if (/^application\/x-www-form-urlencoded/i.test(this.header('content-type') ?? '')) {
      return formParams([...new URLSearchParams(text)]);
    }
    return parseJson(text);
  }

  /** JSON answer with CVAT's media type. */
  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    this.send(status, Buffer.from(text, 'utf8'), { 'Content-Type': 'application/vnd.cvat+json', ...headers });
  }

  send(status: number, body: Buffer | string | null, headers: Record<string, string | number> = {}): void {
    const res = this.res;
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, headerValue(v));
    if (body === null) {
      res.statusCode = status;
      if (!res.hasHeader('Content-Length') && status !== 204 && status !== 304)
        res.setHeader('Content-Length', 0);
      res.end();
      return;
    }
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.setHeader('Content-Length', buf.length);
    res.statusCode = status;
    res.end(this.method === 'HEAD' ? undefined : buf);
  }

  empty(status = 204, headers: Record<string, string | number> = {}): void {
    this.send(status, null, headers);
  }
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A header value as Django's ResponseHeaders writes it: Latin-1 text as is, anything else as one
 * RFC 2047 encoded word (`=?utf-8?b?…?=`), so a name like 写真.png reaches the client intact.
 */
export function headerValue(value: string | number): string | number {
  if (typeof value === 'number' || !/[\u0100-\uffff]/.test(value)) return value;
  return `=?utf-8?b?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}
