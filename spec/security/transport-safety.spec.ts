import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { makeClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { ApiError, NetworkError } from '../../src/errors';
import { resolveDownloadUrl } from '../../src/transfer/download';
import { fromBytes } from '../../src/transfer/source';
import { tusUpload } from '../../src/transfer/tus';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY } from './tls-fixture';

const PAT = 'pat-transport-safety-0001';
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'x-csrftoken', 'proxy-authorization'];

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((r) => server.listen(0, host, r));
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}

/** A server that records every request and answers with `answer`. */
function recordingServer(answer: (req: IncomingMessage, res: ServerResponse) => void): {
  server: Server;
  seen: Seen[];
} {
  const seen: Seen[] = [];
  const server = createHttpServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  return { server, seen };
}

const credentialsIn = (seen: readonly Seen[]): string[] =>
  seen.flatMap((s) =>
    CREDENTIAL_HEADERS.filter((h) => s.headers[h] !== undefined).map((h) => `${s.method} ${s.url}: ${h}`),
  );

describe('TLS verification', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createHttpsServer({ cert: SELF_SIGNED_CERT, key: SELF_SIGNED_KEY }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    url = `https://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('is on by default: a self-signed server is a NetworkError', async () => {
    expect(process.env['NODE_TLS_REJECT_UNAUTHORIZED']).not.toBe('0');
    const transport = new Transport(
      new Configuration({ host: url, accessToken: PAT, retry: { maxAttempts: 1 } }),
    );
    const error = await lastValueFrom(transport.request({ method: 'GET', url: '/api/server/about' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toMatch(/SELF_SIGNED|CERT|UNABLE_TO_VERIFY/);
  });

  it('is off only with verifySsl: false (transport and client)', async () => {
    const transport = new Transport(new Configuration({ host: url, verifySsl: false }));
    const response = await lastValueFrom(transport.request({ method: 'GET', url: '/api/server/about' }));
    expect(response.body).toEqual({ ok: true });

    const strict = makeClient({ host: url, config: { logger: { warn: () => undefined } } });
    await expect(
      lastValueFrom(strict.transport.request({ method: 'GET', url: '/x' })),
    ).rejects.toBeInstanceOf(NetworkError);
    const lax = makeClient({ host: url, config: { transport: { verifySsl: false } } });
    expect((await lastValueFrom(lax.transport.request({ method: 'GET', url: '/x' }))).status).toBe(200);
  });
});

describe('credentials never follow a request to another origin', () => {
  let emu: RunningEmulator;
  let other: ReturnType<typeof recordingServer>;
  let otherPort: number;
  /** Another origin: `localhost` on another port (the emulator listens on 127.0.0.1). */
  let elsewhere: string;
  let redirector: ReturnType<typeof recordingServer>;
  let redirectorUrl: string;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, onError: () => undefined });
    const state = emu.emulator.state;
    const stamp = new Date().toISOString();
    state.accessTokens.set(77, {
      id: 77,
      name: 'safety',
      value: PAT,
      owner_id: [...state.users.values()][0].id,
      read_only: false,
      created_date: stamp,
      updated_date: stamp,
      expiry_date: null,
      last_used_date: null,
    });
    other = recordingServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'),
    );
    otherPort = await listen(other.server, '127.0.0.1');
    elsewhere = `http://localhost:${otherPort}`;
    // Redirects every request to the other origin, the way a hostile or misconfigured proxy might.
    redirector = recordingServer((req, res) =>
      res.writeHead(302, { Location: `${elsewhere}/stolen${req.url ?? ''}` }).end(),
    );
    redirectorUrl = `http://127.0.0.1:${await listen(redirector.server)}`;
  });
  afterAll(async () => {
    await close(other.server);
    await close(redirector.server);
    await emu.close();
  });
  beforeEach(() => {
    other.seen.length = 0;
    redirector.seen.length = 0;
  });

  const schemes: Array<[string, Partial<ConstructorParameters<typeof Configuration>[0]>]> = [
    ['personal access token', { accessToken: PAT }],
    ['legacy token', { token: 'legacy-key' }],
    ['basic', { username: 'admin', password: 'admin' }],
  ];

  it.each(schemes)('a 302 to another host is not followed with %s', async (_name, credentials) => {
    const transport = new Transport(new Configuration({ host: redirectorUrl, ...credentials }));
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const error = await lastValueFrom(
        transport.request({
          method,
          url: '/api/tasks',
          ...(method === 'POST' ? { body: { name: 'x' } } : {}),
        }),
      ).catch((e: unknown) => e);
      // The 3xx comes back as it is; the credentials went to the configured host only.
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(302);
    }
    expect(redirector.seen).toHaveLength(3);
    expect(redirector.seen.every((s) => s.headers['authorization'] !== undefined)).toBe(true);
    expect(other.seen).toEqual([]);
  });

  it('an absolute URL on another origin (even 127.0.0.1 vs localhost on one port) carries no credentials', async () => {
    const client = await lastValueFrom(
      makeClient({ host: emu.url, config: { logger: { warn: () => undefined } } }).login({
        username: 'admin',
        password: 'admin',
      }),
    );
    const session = client.transport.session;
    expect(session.cookie(emu.url, 'csrftoken')).toBeDefined();
    // Session cookies and CSRF, plus a token, all configured for the emulator's origin.
    const transport = new Transport(
      new Configuration({ host: emu.url, username: 'admin', password: 'admin' }),
      {
        session,
      },
    );
    await lastValueFrom(
      transport.request({ method: 'POST', url: `${elsewhere}/api/tasks`, body: { name: 'x' } }),
    );
    await lastValueFrom(transport.request({ method: 'GET', url: `${elsewhere}/api/users/self` }));
    const sameHostOtherName = emu.url.replace('127.0.0.1', 'localhost');
    await lastValueFrom(
      transport.request(
        { method: 'POST', url: `${sameHostOtherName}/api/tasks`, body: { name: 'y' } },
        { checkStatus: false },
      ),
    );
    expect(other.seen).toHaveLength(2);
    expect(credentialsIn(other.seen)).toEqual([]);

    // The control: the configured origin does get the session and the CSRF token on a POST.
    const seenByEmulator: IncomingHttpHeaders[] = [];
    const original = emu.emulator.handle.bind(emu.emulator);
    emu.emulator.handle = (req, res) => {
      seenByEmulator.push(req.headers);
      return original(req, res);
    };
    try {
      const sessionOnly = new Transport(new Configuration({ host: emu.url }), { session });
      const created = await lastValueFrom(
        sessionOnly.request({ method: 'POST', url: '/api/projects', body: { name: 'csrf-ok' } }),
      );
      expect(created.status).toBe(201);
      await lastValueFrom(
        sessionOnly.request(
          { method: 'POST', url: `${sameHostOtherName}/api/projects`, body: { name: 'n' } },
          {
            checkStatus: false,
          },
        ),
      );
    } finally {
      emu.emulator.handle = original;
    }
    expect(seenByEmulator[0]?.['x-csrftoken']).toBe(session.cookie(emu.url, 'csrftoken'));
    expect(seenByEmulator[0]?.['cookie']).toContain('sessionid=');
    // Same port, other host name: another origin for the jar, so no cookie and no CSRF token.
    expect(seenByEmulator[1]?.['x-csrftoken']).toBeUndefined();
    expect(seenByEmulator[1]?.['cookie']).toBeUndefined();
  });

  it('a transport for another host sharing the session never sends the first host’s cookies or CSRF token', async () => {
    const client = await lastValueFrom(
      makeClient({ host: emu.url }).login({ username: 'admin', password: 'admin' }),
    );
    const first = new Transport(new Configuration({ host: emu.url }), { session: client.transport.session });
    const second = first.withConfiguration(new Configuration({ host: elsewhere }));
    await lastValueFrom(second.request({ method: 'POST', url: '/api/tasks', body: { name: 'x' } }));
    await lastValueFrom(second.request({ method: 'DELETE', url: '/api/tasks/1' }));
    expect(other.seen).toHaveLength(2);
    expect(credentialsIn(other.seen)).toEqual([]);
  });

  it('a TUS Location or a download URL on another origin is moved onto the configured origin', async () => {
    const transport = new Transport(new Configuration({ host: emu.url, accessToken: PAT }));
    const task = await lastValueFrom(
      transport.request({
        method: 'POST',
        url: '/api/tasks',
        body: { name: 'loc', labels: [{ name: 'a' }] },
      }),
    );
    const id = (task.body as { id: number }).id;
    // The server builds Location from the Origin header: name the other origin there.
    const events = await lastValueFrom(
      tusUpload(transport, {
        url: `/api/tasks/${id}/data/`,
        source: fromBytes(new Uint8Array(1000), 'a.bin'),
        origin: elsewhere,
      }).pipe(toArray()),
    );
    const result = events[events.length - 1];
    expect(result?.type).toBe('result');
    expect(result?.type === 'result' && result.value.location.startsWith(emu.url)).toBe(true);
    expect(other.seen).toEqual([]);
    expect(resolveDownloadUrl(`${elsewhere}/api/tasks/1/dataset/download?rq_id=x`, emu.url)).toBe(
      `${emu.url}/api/tasks/1/dataset/download?rq_id=x`,
    );
  });
});
