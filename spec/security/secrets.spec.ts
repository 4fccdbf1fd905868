import { inspect } from 'node:util';
import type { Observable } from 'rxjs';
import { EMPTY, lastValueFrom, map, throwError, toArray } from 'rxjs';
import type { CliBackend, CliBackendFactory, ConnectionOptions } from '../../src/cli/backend';
import { runCli } from '../../src/cli/main';
import { makeClient } from '../../src/client';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { CvatError, UsageError } from '../../src/errors';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import { startCuttingProxy } from '../support/tcp-proxy';

/**
 * Canary credentials used across one scenario (password login, session cookies, legacy token,
 * personal access token; requests failing with 400, 401, 403, 500, a network error, a timeout and
 * a decode error). Every error's message, stack, JSON, `util.inspect` (cause chains included),
 * every log line and the CLI's output are scanned for them.
 */
const PASSWORD = 'CANARYpw-3c9f0a71e2';
const TOKEN = 'CANARYtok-8d2b5e6f10aa';
const PAT = 'CANARYpat-41f7c2d9b3e8';
const BAD_PAT = 'CANARYbadpat-77aa01bc';
const USER = 'canary';

/** Every form a secret may take on the wire or in a log. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(`${USER}:${secret}`).toString('base64'),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
  ];
}

describe('canary secrets never show in errors, logs or CLI output', () => {
  let emu: RunningEmulator;
  const canaries = new Set<string>([PASSWORD, TOKEN, PAT, BAD_PAT]);
  /** Everything the scenario produced that a user could see or log. */
  const captured: Array<{ readonly what: string; readonly text: string }> = [];
  const logLines: string[] = [];
  const logger = {
    warn: (line: string) => void logLines.push(line),
    debug: (line: string) => void logLines.push(line),
  };
  const errorsSeen: unknown[] = [];

  const capture = (what: string, error: unknown): void => {
    errorsSeen.push(error);
    const e = error as Error;
    captured.push({ what: `${what} message`, text: String(e?.message) });
    captured.push({ what: `${what} stack`, text: String(e?.stack) });
    captured.push({ what: `${what} String`, text: String(error) });
    captured.push({ what: `${what} JSON`, text: JSON.stringify(error) ?? '' });
    captured.push({ what: `${what} inspect`, text: inspect(error, { depth: Infinity }) });
    captured.push({
      what: `${what} inspect hidden`,
      text: inspect(error, { depth: Infinity, showHidden: true }),
    });
    let cause: unknown = e?.cause;
    for (let i = 0; i < 10 && cause !== undefined; i += 1) {
      captured.push({
        what: `${what} cause ${i}`,
        text: inspect(cause, { depth: Infinity, showHidden: true }),
      });
      cause = (cause as Error)?.cause;
    }
  };

  /** Runs a call that must fail; records the error. */
  const failing = async (what: string, source: Observable<unknown>): Promise<unknown> => {
    try {
      await lastValueFrom(source.pipe(toArray()));
    } catch (error) {
      capture(what, error);
      return error;
    }
    throw new Error(`${what}: expected a failure`);
  };

  const clientWith = (
    credentials: { username: string; password: string } | { token: string },
    host = emu.url,
  ) =>
    makeClient({
      host,
      credentials,
      config: {
        logger,
        transport: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, timeouts: { idleMs: 100 } },
      },
    });

  beforeAll(async () => {
    emu = await startEmulator({
      port: 0,
      users: [{ username: USER, password: PASSWORD, is_superuser: true }],
      onError: () => undefined,
    });
    const state = emu.emulator.state;
    const userId = [...state.users.values()][0].id;
    state.tokenKeys.set(TOKEN, userId);
    const stamp = new Date().toISOString();
    state.accessTokens.set(901, {
      id: 901,
      name: 'canary',
      value: PAT,
      owner_id: userId,
      read_only: false,
      created_date: stamp,
      updated_date: stamp,
      expiry_date: null,
      last_used_date: null,
    });
  });
  afterAll(() => emu.close());

  it('runs the scenario with every scheme and every kind of failure', async () => {
    // Password: Basic on the wire, then login (password → token key, session cookies).
    const basic = clientWith({ username: USER, password: PASSWORD });
    await lastValueFrom(basic.about());
    const loggedIn: CvatClient = await lastValueFrom(basic.login({ username: USER, password: PASSWORD }));
    const sessionId = loggedIn.transport.session.cookie(emu.url, 'sessionid');
    const csrf = loggedIn.transport.session.cookie(emu.url, 'csrftoken');
    expect(sessionId).toBeDefined();
    expect(csrf).toBeDefined();
    canaries.add(sessionId!);
    canaries.add(csrf!);
    for (const [key, id] of emu.emulator.state.tokenKeys)
      if (id !== undefined && key !== TOKEN) canaries.add(key);

    // A transport on the session cookies alone (no Authorization): CSRF on unsafe methods.
    const sessionOnly = new Transport(new Configuration({ host: emu.url, timeouts: { idleMs: 100 } }), {
      session: loggedIn.transport.session,
    });
    const legacyToken = new Transport(
      new Configuration({
        host: emu.url,
        token: TOKEN,
        timeouts: { idleMs: 100 },
        retry: { maxAttempts: 1 },
      }),
    );
    const pat = clientWith({ token: PAT });
    const badPat = clientWith({ token: BAD_PAT });

    const schemes: Array<[string, CvatClient | Transport]> = [
      ['basic', basic],
      ['login token', loggedIn],
      ['session', sessionOnly],
      ['legacy token', legacyToken],
      ['pat', pat],
    ];
    const call = (target: CvatClient | Transport, method: 'GET' | 'POST', url: string, body?: unknown) => {
      const transport = target instanceof Transport ? target : target.transport;
      return transport.request({
        method,
        url,
        ...(body === undefined ? {} : { body: body as Record<string, never> }),
      });
    };

    // A server in debug mode that echoes the request's credentials in its error pages (Django's
    // DEBUG page lists HTTP_AUTHORIZATION and HTTP_COOKIE), as JSON and as text.
    const original = emu.emulator.handle.bind(emu.emulator);
    emu.emulator.handle = (req, res) => {
      const echo = /[?&]echo=(json|text)/.exec(req.url ?? '')?.[1];
      if (!echo) return original(req, res);
      const meta = {
        HTTP_AUTHORIZATION: req.headers['authorization'] ?? '',
        HTTP_COOKIE: req.headers['cookie'] ?? '',
        HTTP_X_CSRFTOKEN: req.headers['x-csrftoken'] ?? '',
      };
      req.resume();
      if (echo === 'json') {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ detail: `Server Error: ${JSON.stringify(meta)}`, META: meta }));
      } else {
        res.writeHead(401, { 'Content-Type': 'text/plain' });
        res.end(
          `Traceback: bad credentials ${meta.HTTP_AUTHORIZATION} ${meta.HTTP_COOKIE} ${meta.HTTP_X_CSRFTOKEN}`,
        );
      }
      return Promise.resolve();
    };

    for (const [name, target] of schemes) {
      await failing(`${name} echo json`, call(target, 'GET', '/api/tasks?echo=json'));
      await failing(`${name} echo text`, call(target, 'POST', '/api/tasks?echo=text', { name: 'x' }));
      // 400: the server rejects the body.
      const bad = await failing(`${name} 400`, call(target, 'POST', '/api/tasks', {}));
      expect((bad as { status?: number }).status).toBe(400);
      // 403 and 500, injected.
      emu.setFaults([{ path: '/api/tasks', method: 'GET', errorStatus: 403, times: 1 }]);
      await failing(`${name} 403`, call(target, 'GET', '/api/tasks'));
      emu.setFaults([{ path: '/api/tasks', method: 'GET', errorStatus: 500, times: 10 }]);
      await failing(`${name} 500`, call(target, 'GET', '/api/tasks'));
      // A stalled server: timeout.
      emu.setFaults([{ path: '/api/tasks', method: 'GET', latencyMs: 1_000, times: 10 }]);
      await failing(`${name} timeout`, call(target, 'GET', '/api/tasks'));
      // A reply that does not decode.
      emu.setFaults([
        { path: '/api/users/self', errorStatus: 200, errorBody: { username: 5, id: 'x' }, times: 1 },
      ]);
      const client = target instanceof Transport ? makeClient({ host: emu.url, config: { logger } }) : target;
      if (!(target instanceof Transport)) await failing(`${name} decode`, client.users.retrieveCurrentUser());
      emu.setFaults([]);
    }

    emu.emulator.handle = original;

    // 401: a wrong personal access token, a wrong password.
    await failing('401 pat', badPat.users.retrieveCurrentUser());
    await failing(
      '401 basic',
      clientWith({ username: USER, password: `${PASSWORD}-wrong` }).users.retrieveCurrentUser(),
    );
    canaries.add(`${PASSWORD}-wrong`);
    await failing('400 login', basic.login({ username: USER, password: `${PASSWORD}-wrong` }));

    // Network errors: a refused connection, a connection reset mid-request, credentials in the URL.
    const closedPort = await startCuttingProxy({ targetPort: 9 });
    const refusedHost = closedPort.url;
    await closedPort.close();
    await failing('refused pat', clientWith({ token: PAT }, refusedHost).users.retrieveCurrentUser());
    await failing(
      'refused basic',
      clientWith({ username: USER, password: PASSWORD }, refusedHost).users.retrieveCurrentUser(),
    );
    const proxy = await startCuttingProxy({
      targetPort: Number(new URL(emu.url).port),
      cutAt: [40, 80, 120, 160],
    });
    try {
      await failing('reset pat', clientWith({ token: PAT }, proxy.url).users.retrieveCurrentUser());
      const userInUrl = proxy.url.replace('http://', `http://${USER}:${encodeURIComponent(PASSWORD)}@`);
      proxy.schedule([proxy.forwardedUp + 40]);
      await failing(
        'reset url credentials',
        new Transport(new Configuration({ host: userInUrl, retry: { maxAttempts: 1 } })).request({
          method: 'GET',
          url: `/api/tasks?key=${TOKEN}&token=${PAT}`,
        }),
      );
    } finally {
      await proxy.close();
    }

    // A server outside the tested versions: a warning through the logger (captured below).
    emu.setFaults([
      {
        path: '/api/server/about',
        errorStatus: 200,
        errorBody: { name: 'CVAT', description: '', version: '1.0.0', logo_url: '', subtitle: '' },
      },
    ]);
    for (const [, target] of schemes)
      if (!(target instanceof Transport)) await lastValueFrom(target.checkServerVersion());
    emu.setFaults([]);
    expect(logLines.length).toBeGreaterThanOrEqual(3);

    // What a user might log besides errors: the clients themselves.
    for (const [name, target] of schemes) {
      captured.push({ what: `${name} inspect`, text: inspect(target, { depth: 6 }) });
      captured.push({
        what: `${name} JSON`,
        text: JSON.stringify(target instanceof Transport ? target.session : target.transport.session),
      });
    }

    expect(errorsSeen.length).toBeGreaterThanOrEqual(30);
    for (const error of errorsSeen) expect(error).toBeInstanceOf(CvatError);
    // Every kind of failure the scenario promises did happen.
    const kinds = new Set(errorsSeen.map((e) => (e as CvatError).kind));
    expect([...kinds].sort()).toEqual(['api', 'decode', 'network', 'timeout']);
    const statuses = new Set(errorsSeen.map((e) => (e as { status?: number }).status));
    for (const status of [400, 401, 403, 500]) expect(statuses).toContain(status);
    const leaks = findLeaks(
      [...captured, ...logLines.map((text) => ({ what: 'log', text }))],
      [...canaries].flatMap(forms),
    );
    expect(leaks).toEqual([]);
    console.log(
      `secrets: ${canaries.size} canaries × ${forms('x').length} encodings checked in ${captured.length} ` +
        `captured texts from ${errorsSeen.length} errors and ${logLines.length} log lines`,
    );
  }, 60_000);

  it('the CLI, run in-process against the emulator, never prints them', async () => {
    const factory = emulatorCliFactory(logger);
    const outputs: string[] = [];
    const port = new URL(emu.url).port;
    const run = async (argv: string[], env: Record<string, string> = {}) => {
      const stdout = memory();
      const stderr = memory();
      const code = await runCli(argv, {
        backendFactory: factory,
        stdout,
        stderr,
        env,
        signals: () => () => undefined,
      });
      outputs.push(stdout.text, stderr.text);
      return { code, stdout: stdout.text, stderr: stderr.text };
    };
    const server = ['--server-host', 'http://127.0.0.1', '--server-port', port];

    const ok = await run(['--debug', ...server, '--auth', `${USER}:${PASSWORD}`, 'task', 'ls', '--json']);
    expect(ok.code).toBe(0);
    expect((await run(['--debug', ...server, '--auth', USER, 'task', 'ls'], { PASS: PASSWORD })).code).toBe(
      0,
    );
    expect((await run(['--debug', ...server, 'task', 'ls'], { CVAT_ACCESS_TOKEN: PAT, USER })).code).toBe(0);
    const unauthorized = await run(['--debug', ...server, 'task', 'ls'], {
      CVAT_ACCESS_TOKEN: BAD_PAT,
      USER,
    });
    expect(unauthorized.code).not.toBe(0);
    const wrongPassword = await run([
      '--debug',
      ...server,
      '--auth',
      `${USER}:${PASSWORD}-wrong`,
      'task',
      'ls',
    ]);
    expect(wrongPassword.code).not.toBe(0);
    emu.setFaults([{ path: '/api/tasks', errorStatus: 500, errorBody: { detail: 'boom' } }]);
    const failed = await run(['--debug', ...server, '--auth', `${USER}:${PASSWORD}`, 'task', 'ls']);
    emu.setFaults([]);
    expect(failed.code).not.toBe(0);
    const refused = await run([
      '--debug',
      '--server-host',
      'http://127.0.0.1',
      '--server-port',
      '9',
      '--auth',
      `${USER}:${PASSWORD}`,
      'task',
      'ls',
    ]);
    expect(refused.code).not.toBe(0);

    const leaks = findLeaks(
      outputs.map((text, i) => ({ what: `cli output ${i}`, text })),
      [PASSWORD, `${PASSWORD}-wrong`, TOKEN, PAT, BAD_PAT].flatMap(forms),
    );
    expect(leaks).toEqual([]);
  }, 60_000);
});

function findLeaks(
  texts: ReadonlyArray<{ readonly what: string; readonly text: string }>,
  secrets: readonly string[],
): string[] {
  const leaks: string[] = [];
  for (const { what, text } of texts) {
    for (const secret of secrets)
      if (text.includes(secret)) leaks.push(`${what}: …${excerpt(text, secret)}…`);
  }
  return leaks;
}

function excerpt(text: string, secret: string): string {
  const at = text.indexOf(secret);
  return text.slice(Math.max(0, at - 60), at + secret.length + 20).replace(secret, '<SECRET>');
}

function memory() {
  const chunks: string[] = [];
  return {
    isTTY: false,
    columns: 100,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    get text() {
      return chunks.join('');
    },
  };
}

/** A CLI backend over the real client (task ls only; other commands fail as unsupported here). */
function emulatorCliFactory(logger: {
  warn(line: string): void;
  debug(line: string): void;
}): CliBackendFactory {
  const unsupported = () => throwError(() => new UsageError('not part of this test'));
  return {
    connect(options: ConnectionOptions): CliBackend {
      const client = makeClient({
        host: options.host,
        credentials:
          options.credentials.kind === 'token'
            ? { token: options.credentials.token }
            : { username: options.credentials.username, password: options.credentials.password },
        config: {
          logger: {
            warn: logger.warn,
            debug: (line) => {
              logger.debug(line);
              options.debug?.(line);
            },
          },
          transport: { verifySsl: options.verifySsl, retry: { maxAttempts: 1 } },
        },
      });
      return {
        checkServer: () => EMPTY,
        listTasks: () =>
          client.tasks
            .list()
            .pipe(map((task) => ({ id: task.id, name: String(task.id), json: { id: task.id } }))),
        createTask: unsupported,
        deleteTasks: unsupported,
        downloadFrames: unsupported,
        exportTaskDataset: unsupported,
        importTaskDataset: unsupported,
        backupTask: unsupported,
        createTaskFromBackup: unsupported,
        listProjects: () => EMPTY,
        createProject: unsupported,
        deleteProjects: unsupported,
        exportProjectDataset: unsupported,
        importProjectDataset: unsupported,
        backupProject: unsupported,
        createProjectFromBackup: unsupported,
      };
    },
    startEmulator: () => throwError(() => new UsageError('not part of this test')),
  };
}
