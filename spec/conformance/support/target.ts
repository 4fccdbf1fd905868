import { randomBytes } from 'node:crypto';
import { startEmulator } from '../../../src/emulator';
import type { RunningEmulator } from '../../../src/emulator';

/**
 * The server a conformance case runs against: the embedded emulator by default, or a real CVAT
 * when `CVAT_HOST` is set (`npm run test:live`). Cases speak plain HTTP (no cvat-rx involved), so
 * they check the server, not our client.
 *
 * Live runs must be safe on a production server: every object a case creates is named with a
 * unique prefix, and every object created through a session is deleted when the suite ends,
 * whether it passed or not.
 */

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when the reply is JSON. */
  body: unknown;
  bytes: Buffer;
}

export interface CallInit {
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** Query parameters, appended to the path. */
  query?: Record<string, string | number | boolean>;
  /** Organization context (`X-Organization`), by slug. */
  org?: string;
}

/** Collections whose created objects are removed when the suite ends. */
const TRACKED = /^\/api\/(tasks|projects|organizations|cloudstorages|webhooks|invitations|guides)\/?$/;

export class Session {
  constructor(
    readonly target: Target,
    readonly username: string,
    private readonly auth: Record<string, string>,
  ) {}

  async call(method: string, path: string, init: CallInit = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...this.auth, ...init.headers };
    if (init.org !== undefined) headers['X-Organization'] = init.org;
    let body = init.body;
    if (init.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const url = new URL(path.startsWith('http') ? path : this.target.url + path);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, String(v));
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let parsed: unknown = undefined;
    if (text !== '' && /json/.test(res.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    const reply = { status: res.status, headers: res.headers, text, body: parsed, bytes };
    if (method === 'POST' && res.status === 201 && TRACKED.test(url.pathname)) {
      const id = (parsed as { id?: unknown } | undefined)?.id;
      if (typeof id === 'number' || typeof id === 'string') {
        this.target.track(`${url.pathname.replace(/\/$/, '')}/${id}`, this, init.org);
      }
    }
    return reply;
  }

  get(path: string, init?: CallInit): Promise<Reply> {
    return this.call('GET', path, init);
  }
  post(path: string, json?: unknown, init?: CallInit): Promise<Reply> {
    return this.call('POST', path, { ...init, json });
  }
  patch(path: string, json?: unknown, init?: CallInit): Promise<Reply> {
    return this.call('PATCH', path, { ...init, json });
  }
  put(path: string, json?: unknown, init?: CallInit): Promise<Reply> {
    return this.call('PUT', path, { ...init, json });
  }
  delete(path: string, init?: CallInit): Promise<Reply> {
    return this.call('DELETE', path, init);
  }

  /** Polls the Requests API until the request ends; returns the request. */
  async wait(rqId: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + (this.target.kind === 'live' ? 600_000 : 60_000);
    for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 1000)) {
      const r = await this.get(`/api/requests/${encodeURIComponent(rqId)}`);
      const body = r.body as Record<string, unknown>;
      if (body.status === 'finished' || body.status === 'failed') return body;
      await new Promise((res) => setTimeout(res, delay));
    }
    throw new Error(`request ${rqId} did not end`);
  }

  /**
   * Creates a task (its name prefixed) and uploads images in one multipart request, then waits
   * for processing. `params` are extra data fields; `image_quality` defaults to 70.
   */
  async taskWithImages(
    spec: Record<string, unknown>,
    images: Array<[string, Buffer]>,
    params: Record<string, string> = {},
    init: CallInit = {},
  ): Promise<Record<string, unknown>> {
    const created = await this.post(
      '/api/tasks',
      { ...spec, name: this.target.name(String(spec.name ?? 'task')) },
      init,
    );
    if (created.status !== 201) throw new Error(`task create failed: ${created.status} ${created.text}`);
    const task = created.body as { id: number };
    const form = new FormData();
    images.forEach(([name, data], i) =>
      form.append(`client_files[${i}]`, new Blob([new Uint8Array(data)]), name),
    );
    form.append('image_quality', params.image_quality ?? '70');
    for (const [k, v] of Object.entries(params)) if (k !== 'image_quality') form.append(k, v);
    const r = await this.call('POST', `/api/tasks/${task.id}/data/`, { ...init, body: form });
    if (r.status !== 202) throw new Error(`data upload failed: ${r.status} ${r.text}`);
    const rq = await this.wait((r.body as { rq_id: string }).rq_id);
    if (rq.status !== 'finished') throw new Error(`processing failed: ${String(rq.message)}`);
    return (await this.get(`/api/tasks/${task.id}`, init)).body as Record<string, unknown>;
  }
}

/** Extra users on the emulator; on a live server they come from CVAT_USER2/3 and CVAT_PASSWORD2/3. */
const EMULATOR_USERS = ['user2', 'user3'] as const;
export type OtherUser = 1 | 2;

export class Target {
  readonly prefix = `cvat-rx-conf-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-`;
  private readonly created: Array<{ path: string; by: Session; org?: string }> = [];
  private readonly others: Array<Session | undefined> = [];
  admin!: Session;

  private constructor(
    readonly kind: 'emulator' | 'live',
    readonly url: string,
    private readonly emulator?: RunningEmulator,
  ) {}

  /** Starts the emulator, or points at `CVAT_HOST`. */
  static async open(): Promise<Target> {
    const env = process.env;
    if (env.CVAT_HOST) {
      const t = new Target('live', env.CVAT_HOST.replace(/\/+$/, ''));
      const auth = env.CVAT_ACCESS_TOKEN
        ? { Authorization: `Bearer ${env.CVAT_ACCESS_TOKEN}` }
        : basic(required('CVAT_USER'), required('CVAT_PASSWORD'));
      const self = await new Session(t, '?', auth).get('/api/users/self');
      if (self.status !== 200) throw new Error(`cannot log in to ${t.url}: ${self.status}`);
      t.admin = new Session(t, String((self.body as { username: string }).username), auth);
      for (const n of [2, 3]) {
        const user = env[`CVAT_USER${n}`];
        const password = env[`CVAT_PASSWORD${n}`];
        t.others.push(user && password ? new Session(t, user, basic(user, password)) : undefined);
      }
      return t;
    }
    const emu = await startEmulator({
      processingDelayMs: 0,
      users: [
        { username: 'admin', password: 'admin', is_superuser: true, email: 'admin@localhost' },
        ...EMULATOR_USERS.map((u) => ({ username: u, password: `${u}-pass`, email: `${u}@localhost` })),
      ],
    });
    const t = new Target('emulator', emu.url, emu);
    t.admin = new Session(t, 'admin', basic('admin', 'admin'));
    for (const u of EMULATOR_USERS) t.others.push(new Session(t, u, basic(u, `${u}-pass`)));
    return t;
  }

  /** Another user than `admin`, or undefined on a live server without CVAT_USER2/3. */
  other(n: OtherUser): Session | undefined {
    return this.others[n - 1];
  }

  /** A name carrying this run's prefix. */
  name(base: string): string {
    return base.startsWith(this.prefix) ? base : this.prefix + base;
  }

  /** Registers an object for removal at `close()` (sessions do this for what they create). */
  track(path: string, by: Session, org?: string): void {
    this.created.push({ path, by, org });
  }

  /** Removes everything created, newest first (a failure to remove one does not stop the rest). */
  async close(): Promise<void> {
    const failures: string[] = [];
    for (const { path, by, org } of this.created.reverse()) {
      // Newest first: objects inside an organization go before the organization itself.
      const r = await by.delete(path, { org }).catch((e: unknown) => ({ status: 0, text: String(e) }));
      if (![200, 204, 404, 410].includes(r.status)) failures.push(`${path}: ${r.status}`);
    }
    this.created.length = 0;
    await this.emulator?.close();
    if (failures.length > 0 && this.kind === 'live') {
      throw new Error(`conformance: could not remove ${failures.join(', ')}`);
    }
  }
}

function basic(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required with CVAT_HOST (or set CVAT_ACCESS_TOKEN)`);
  return v;
}

/**
 * Opens the target for the enclosing `describe` block and closes it after. Use the returned
 * getter inside tests: `const target = useTarget(); … target().admin.get(…)`.
 */
export function useTarget(): () => Target {
  let target: Target | undefined;
  beforeAll(async () => {
    target = await Target.open();
  }, 120_000);
  afterAll(async () => {
    await target?.close();
  }, 600_000);
  return () => {
    if (!target) throw new Error('target not open');
    return target;
  };
}

/**
 * One conformance case: a behaviour of CVAT 2.73.1 and where it comes from (a REST test such as
 * `tests/python/rest_api/test_tasks.py::test_cannot_create_task_with_same_labels`, or server
 * source lines such as `cvat/apps/engine/serializers.py ValidateLabelsMixin`).
 */
export function cvatCase(behaviour: string, source: string, fn: () => Promise<void>, timeout?: number): void {
  it(`${behaviour} [CVAT: ${source}]`, fn, timeout);
}
