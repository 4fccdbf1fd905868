import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate } from './auth';
import { Ctx } from './context';
import { applyCors, checkHost, preflight } from './cors';
import { detail, HttpError } from './errors';
import { EmptyError, isPlain } from './plain';
import { Faults } from './faults';
import type { FaultRule } from './faults';
import { now } from './model';
import { Orgs } from './orgs';
import { registerRoutes } from './routes';
import { Router } from './router';
import { State } from './state';
import { Uploads } from './data/uploads';
import type { EmulatorLambdaFunction } from './resources/lambda';

export interface EmulatorUser {
  username: string;
  password: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  is_superuser?: boolean;
}

export type { EmulatorLambdaFunction };

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** Users to create; default one superuser admin/admin. */
  users?: EmulatorUser[];
  /** Directory served as CVAT's share (`server_files`). */
  shareDir?: string;
  /**
   * Folder in which the emulator makes its working directory (uploads, task media, exports),
   * removed on close. Default: the system's temporary folder. A memory-backed one (`/dev/shm`)
   * keeps disk costs out of measurements.
   */
  workRoot?: string;
  /**
   * Directory backing cloud storages: a storage whose `resource` (bucket) is `images` lists and
   * reads `<cloudStorageDir>/images`. Default: a temporary folder removed on close.
   */
  cloudStorageDir?: string;
  /** Delay before a queued server-side request starts, and the pace of its progress. */
  processingDelayMs?: number;
  /**
   * Web origins (e.g. `https://app.example.com`) whose pages may call the emulator with
   * credentials, besides pages on localhost/127.0.0.1/[::1] and the emulator's own origin.
   */
  allowedOrigins?: string[];
  /** Host names accepted in `Host` besides loopback names, IP addresses and `host` (DNS rebinding). */
  allowedHosts?: string[];
  faults?: FaultRule[];
  /** Called for unexpected handler errors (default: console.error). */
  onError?: (error: unknown) => void;
  /** Serverless (lambda) functions the emulator runs in-process (`/api/lambda/functions`). */
  lambdaFunctions?: readonly EmulatorLambdaFunction[];
  /** How long an agent holds a native function's request without an update (default 60 s). */
  agentLeaseMs?: number;
}

export interface RunningEmulator {
  url: string;
  /** Replaces the active fault rules. */
  setFaults(rules: FaultRule[]): void;
  /** Direct access to the state, for tests that need to arrange or inspect it. */
  readonly emulator: Emulator;
  close(): Promise<void>;
}

export class Emulator {
  /** Everything the emulator remembers, for tests that arrange or inspect it (no stable API). @internal */
  readonly state: State;
  /** @internal */
  readonly orgs: Orgs;
  /** @internal */
  readonly router = new Router();
  /** @internal */
  readonly faults: Faults;
  readonly processingDelayMs: number;
  readonly shareDir: string | undefined;
  /** @internal */
  readonly uploads: Uploads;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(readonly options: EmulatorOptions) {
    this.state = new State(mkdtempSync(join(options.workRoot ?? tmpdir(), 'cvat-emulator-')));
    this.orgs = new Orgs(this.state);
    this.uploads = new Uploads(this.state.tempDir);
    this.faults = new Faults(options.faults ?? []);
    this.processingDelayMs = options.processingDelayMs ?? 20;
    this.shareDir = options.shareDir;
    const users = options.users ?? [
      { username: 'admin', password: 'admin', is_superuser: true, email: 'admin@localhost' },
    ];
    for (const u of users) {
      const id = this.state.nextId('user');
      this.state.users.set(id, {
        id,
        username: u.username,
        password: u.password,
        email: u.email ?? '',
        first_name: u.first_name ?? '',
        last_name: u.last_name ?? '',
        is_superuser: u.is_superuser ?? false,
        is_staff: u.is_superuser ?? false,
        is_active: true,
        date_joined: now(),
        last_login: null,
      });
    }
    registerRoutes(this);
  }

  /** A timer that close() cancels. */
  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve));
  }

  reportError(e: unknown): void {
    (this.options.onError ?? ((err: unknown) => console.error('[cvat-emulator]', err)))(e);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let ctx: Ctx;
    try {
      ctx = new Ctx(this, req, res);
    } catch {
      // An unparsable Host or request line.
      res.statusCode = 400;
      res.setHeader('Content-Type', 'application/vnd.cvat+json');
      res.end(JSON.stringify({ detail: 'Bad request.' }));
      return;
    }
    try {
      checkHost(ctx);
      applyCors(ctx);
      if (ctx.method === 'OPTIONS') return preflight(ctx);
      const proceed = await this.faults.apply(ctx);
      if (!proceed) return;
      const match = this.router.match(ctx.method, ctx.path);
      authenticate(ctx);
      if (match.kind === 'not_found') throw detail(404, 'Not found.');
      if (match.kind === 'method_not_allowed') {
        if (!ctx.user) throw detail(401, 'Authentication credentials were not provided.');
        throw new HttpError(
          405,
          { detail: `Method "${ctx.method}" not allowed.` },
          { Allow: match.allowed.join(', ') },
        );
      }
      if (!match.options.public && !ctx.user)
        throw detail(401, 'Authentication credentials were not provided.');
      ctx.params = match.params;
      // Like CVAT's organization middleware: a bad org context fails every request, not only lists.
      if (ctx.user) void ctx.org;
      await match.handler(ctx);
      if (!res.headersSent && !res.writableEnded)
        throw new Error(`handler for ${match.pattern} sent no response`);
    } catch (e) {
      this.fail(ctx, e);
    }
  }

  /** @internal */
  fail(ctx: Ctx, e: unknown): void {
    if (clientWentAway(e)) {
      // A cancelled upload or a closed tab: nobody is left to answer, and nothing is wrong here.
      ctx.res.destroy();
      return;
    }
    if (e instanceof HttpError) {
      if (ctx.res.headersSent) ctx.res.destroy();
      else if (e instanceof EmptyError) ctx.empty(e.status, e.headers);
      else if (isPlain(e)) ctx.send(e.status, e.body, e.headers);
      else ctx.json(e.status, e.body, e.headers);
      // Unread upload bodies would otherwise keep the socket busy.
      if (!ctx.req.complete) ctx.req.resume();
      return;
    }
    this.reportError(e);
    if (!ctx.res.headersSent)
      ctx.json(500, { detail: `Internal error: ${e instanceof Error ? e.message : String(e)}` });
    else ctx.res.destroy();
  }

  shutdown(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    rmSync(this.state.tempDir, { recursive: true, force: true });
  }
}

const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** The error of a request body or response whose client disconnected (aborted, reset, closed). */
export function clientWentAway(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  return typeof code === 'string' && CLIENT_GONE.has(code);
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = new Emulator(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void emulator.handle(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Large TUS chunks and slow clients must not be cut by Node's default timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator: unexpected server address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    emulator,
    setFaults: (rules) => emulator.faults.set(rules),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        emulator.shutdown();
      });
      return closing;
    },
  };
}
