/**
 * Canary credentials must never show in an error: not in its message, stack, JSON.stringify or
 * util.inspect (which also prints `cause`). Each error here comes from a real failing request
 * against a local server (no nock: aborted nock requests leave handles open).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { lastValueFrom } from 'rxjs';
import { ApiError, NetworkError, TimeoutError } from '../../src/errors';
import { Configuration, type ConfigurationInit } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

const PASSWORD = 'CANARY-PASSWORD-7f3a';
const TOKEN = 'CANARY-TOKEN-91bd';
const PAT = 'CANARY-PAT-c0de';
const SESSION = 'CANARY-SESSION-55aa';
const CSRF = 'CANARY-CSRF-3e3e';
const SIGNED = 'CANARY-SIGNATURE-0b0b';
const BASIC = Buffer.from(`admin:${PASSWORD}`).toString('base64');
const CANARIES = [PASSWORD, TOKEN, PAT, SESSION, CSRF, SIGNED, BASIC];

let server: http.Server;
let host: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api/auth/login') {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Set-Cookie': [`sessionid=${SESSION}; Path=/`, `csrftoken=${CSRF}; Path=/`],
      });
      res.end('{"key":"k"}');
    } else if (path === '/reset') {
      req.socket.destroy();
    } else if (path === '/hang') {
      // never answers
    } else {
      // Echoes what it received, as a careless proxy might (but not in headers we keep).
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'Set-Cookie': `sessionid=${SESSION}; Path=/`,
      });
      res.end(JSON.stringify({ detail: 'Invalid token.' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => jest.useRealTimers());

function transport(init: Partial<ConfigurationInit>): Transport {
  return new Transport(new Configuration({ host, retry: { maxAttempts: 1 }, ...init }));
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

function expectNoCanary(error: Error): void {
  const renderings = {
    message: error.message,
    stack: error.stack ?? '',
    json: JSON.stringify(error),
    inspect: inspect(error, { depth: 10, showHidden: false }),
    inspectHidden: inspect(error, { depth: 10, showHidden: true }),
    string: String(error),
  };
  for (const [how, text] of Object.entries(renderings)) {
    for (const canary of CANARIES) {
      if (text.includes(canary)) throw new Error(`${how} of ${error.name} shows a credential:\n${text}`);
    }
  }
}

const modes: Array<[string, Partial<ConfigurationInit>]> = [
  ['basic', { username: 'admin', password: PASSWORD }],
  ['legacy token', { token: TOKEN }],
  ['personal access token', { accessToken: PAT }],
];

describe('no credential in any rendering of an error', () => {
  it.each(modes)('ApiError (%s)', async (_mode, init) => {
    const error = await failure(
      lastValueFrom(
        transport(init).request({
          method: 'POST',
          url: `/api/tasks?token=${TOKEN}&sign=${SIGNED}`,
          body: { a: 1 },
        }),
      ),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(error.message).toContain('Invalid token.');
    expect((error as ApiError).url).toContain('token=REDACTED');
    expectNoCanary(error);
  });

  it('ApiError with a session (cookies and CSRF)', async () => {
    const t = transport({ username: 'admin', password: PASSWORD });
    await lastValueFrom(t.request({ method: 'POST', url: '/api/auth/login', body: {}, withoutAuth: true }));
    expect(t.session.hasSession(`${host}/api/tasks`)).toBe(true);
    const error = await failure(lastValueFrom(t.request({ method: 'PATCH', url: '/api/tasks/1', body: {} })));
    expect(error).toBeInstanceOf(ApiError);
    expectNoCanary(error);
  });

  it.each(modes)('NetworkError (%s)', async (_mode, init) => {
    const error = await failure(
      lastValueFrom(transport(init).request({ method: 'GET', url: `/reset?key=${TOKEN}` })),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('ECONNRESET');
    // The cause is a plain Error, not the AxiosError (whose config holds the Authorization header).
    expect(error.cause).toBeInstanceOf(Error);
    expect(Object.keys(error.cause as object)).toEqual(['code']);
    expectNoCanary(error);
  });

  it('NetworkError with a session', async () => {
    const t = transport({});
    await lastValueFrom(t.request({ method: 'POST', url: '/api/auth/login', body: {} }));
    const error = await failure(lastValueFrom(t.request({ method: 'POST', url: '/reset', body: {} })));
    expect(error).toBeInstanceOf(NetworkError);
    expectNoCanary(error);
  });

  it.each(modes)('TimeoutError (%s)', async (_mode, init) => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const t = transport({ ...init, timeouts: { connectMs: 1000, idleMs: 1000 } });
    const result = failure(lastValueFrom(t.request({ method: 'GET', url: `/hang?access_token=${PAT}` })));
    // Let the request reach the server on real I/O, then run the clock.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    await jest.advanceTimersByTimeAsync(2000);
    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expectNoCanary(error);
  });
});
