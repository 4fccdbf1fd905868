import nock from 'nock';
import { lastValueFrom, of } from 'rxjs';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import { basicAuthorization } from '../../src/transport/auth';
import type { TransportEvent, TransportRequest } from '../../src/transport/types';
import { HOST, makeTransport, useNock } from './helpers';

useNock();

/** Records the headers of every request nock sees for the host. */
function recordHeaders(scope: nock.Scope): Array<Record<string, string | string[] | undefined>> {
  const seen: Array<Record<string, string | string[] | undefined>> = [];
  scope.on('request', (req: { headers: Record<string, string | string[] | undefined> }) =>
    seen.push({ ...req.headers }),
  );
  return seen;
}

const LOGIN_COOKIES = [
  'csrftoken=csrf-123; expires=Fri, 26 Nov 2027 00:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax',
  'sessionid=sess-456; expires=Fri, 11 Dec 2026 00:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax',
];

describe('authentication headers', () => {
  it('basic: Authorization: Basic base64(user:password)', async () => {
    const scope = nock(HOST, {
      reqheaders: { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` },
    })
      .get('/api/users/self')
      .reply(200, {});
    await lastValueFrom(
      makeTransport({ username: 'admin', password: 's3cret' }).request({
        method: 'GET',
        url: '/api/users/self',
      }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it('basic encodes non-ASCII passwords as UTF-8', () => {
    expect(basicAuthorization('ü', 'pä')).toBe(`Basic ${Buffer.from('ü:pä', 'utf8').toString('base64')}`);
  });

  it('legacy token: Authorization: Token <key>', async () => {
    const scope = nock(HOST, { reqheaders: { authorization: 'Token legacy-key' } })
      .get('/api/tasks')
      .reply(200, {});
    await lastValueFrom(makeTransport({ token: 'legacy-key' }).request({ method: 'GET', url: '/api/tasks' }));
    expect(scope.isDone()).toBe(true);
  });

  it('personal access token: Authorization: Bearer <token>', async () => {
    const scope = nock(HOST, { reqheaders: { authorization: 'Bearer pat-value' } })
      .get('/api/tasks')
      .reply(200, {});
    await lastValueFrom(
      makeTransport({ accessToken: 'pat-value' }).request({ method: 'GET', url: '/api/tasks' }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it('precedence: accessToken > token > basic', async () => {
    const scope = nock(HOST)
      .get('/a')
      .matchHeader('authorization', 'Bearer pat')
      .reply(200)
      .get('/b')
      .matchHeader('authorization', 'Token tok')
      .reply(200);
    const all = { username: 'u', password: 'p', token: 'tok' };
    await lastValueFrom(makeTransport({ ...all, accessToken: 'pat' }).request({ method: 'GET', url: '/a' }));
    await lastValueFrom(makeTransport(all).request({ method: 'GET', url: '/b' }));
    expect(scope.isDone()).toBe(true);
  });

  it('withoutAuth sends no credentials', async () => {
    const scope = nock(HOST, { badheaders: ['authorization'] })
      .get('/api/server/about')
      .reply(200, {});
    await lastValueFrom(
      makeTransport({ accessToken: 'pat' }).request({
        method: 'GET',
        url: '/api/server/about',
        withoutAuth: true,
      }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it('never sends credentials to another origin', async () => {
    const scope = nock('https://bucket.example.com', { badheaders: ['authorization', 'cookie'] })
      .get('/file.zip')
      .query(true)
      .reply(200, 'zip', { 'Content-Type': 'application/zip' });
    await lastValueFrom(
      makeTransport({ username: 'u', password: 'p' }).request({
        method: 'GET',
        url: 'https://bucket.example.com/file.zip?X-Amz-Signature=abc',
        responseType: 'text',
      }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it('keeps an Authorization header the request already has', async () => {
    const scope = nock(HOST, { reqheaders: { authorization: 'Token mine' } })
      .get('/x')
      .reply(200);
    await lastValueFrom(
      makeTransport({ accessToken: 'pat' }).request({
        method: 'GET',
        url: '/x',
        headers: { authorization: 'Token mine' },
      }),
    );
    expect(scope.isDone()).toBe(true);
  });
});

describe('session cookies and CSRF', () => {
  it('stores the cookies login sets and sends them back, with X-CSRFToken only on unsafe methods', async () => {
    const scope = nock(HOST)
      .post('/api/auth/login', { username: 'admin', password: 'pw' })
      .reply(200, { key: 'k' }, { 'Set-Cookie': LOGIN_COOKIES });
    const seen = recordHeaders(scope);
    scope
      .get('/api/tasks')
      .reply(200, {})
      .post('/api/tasks')
      .reply(201, {})
      .delete('/api/tasks/1')
      .reply(204);
    scope
      .head('/api/tasks')
      .reply(200)
      .put('/api/tasks/1')
      .reply(200, {})
      .patch('/api/tasks/1')
      .reply(200, {});
    scope.options('/api/tasks').reply(200);

    const transport = makeTransport({ username: 'admin', password: 'pw' });
    await lastValueFrom(
      transport.request({
        method: 'POST',
        url: '/api/auth/login',
        body: { username: 'admin', password: 'pw' },
        withoutAuth: true,
      }),
    );
    expect(transport.session.cookie(`${HOST}/api/tasks`, 'sessionid')).toBe('sess-456');
    const calls = [
      ['GET', '/api/tasks'],
      ['POST', '/api/tasks'],
      ['DELETE', '/api/tasks/1'],
      ['HEAD', '/api/tasks'],
      ['PUT', '/api/tasks/1'],
      ['PATCH', '/api/tasks/1'],
      ['OPTIONS', '/api/tasks'],
    ] as const;
    for (const [method, url] of calls) await lastValueFrom(transport.request({ method, url }));
    expect(scope.isDone()).toBe(true);
    const [login, ...rest] = seen;
    expect(login!['cookie']).toBeUndefined();
    for (const headers of rest) {
      expect(headers['cookie']).toBe('csrftoken=csrf-123; sessionid=sess-456');
      // With a session, basic credentials are not sent (session > basic).
      expect(headers['authorization']).toBeUndefined();
    }
    const csrf = rest.map((headers) => headers['x-csrftoken']);
    // GET, POST, DELETE, HEAD, PUT, PATCH, OPTIONS
    expect(csrf).toEqual([undefined, 'csrf-123', 'csrf-123', undefined, 'csrf-123', 'csrf-123', undefined]);
  });

  it('shares the session with transports derived by withConfiguration, and clear() forgets it', async () => {
    const scope = nock(HOST).post('/api/auth/login').reply(200, {}, { 'Set-Cookie': LOGIN_COOKIES });
    const seen = recordHeaders(scope);
    scope.get('/api/projects').twice().reply(200, {});
    const transport = makeTransport();
    await lastValueFrom(transport.request({ method: 'POST', url: '/api/auth/login', body: {} }));
    const derived = transport.withConfiguration(transport.configuration.with({ organization: 'org1' }));
    expect(derived.session).toBe(transport.session);
    await lastValueFrom(derived.request({ method: 'GET', url: '/api/projects' }));
    transport.session.clear();
    await lastValueFrom(derived.request({ method: 'GET', url: '/api/projects' }));
    expect(seen[1]!['cookie']).toBe('csrftoken=csrf-123; sessionid=sess-456');
    expect(seen[2]!['cookie']).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('sends session cookies and CSRF only to the origin that set them', async () => {
    const cvat = nock(HOST).post('/api/auth/login').reply(200, {}, { 'Set-Cookie': LOGIN_COOKIES });
    const other = nock('http://other.test', { badheaders: ['cookie', 'x-csrftoken'] })
      .post('/upload')
      .reply(200, {});
    const transport = makeTransport();
    await lastValueFrom(transport.request({ method: 'POST', url: '/api/auth/login', body: {} }));
    await lastValueFrom(transport.request({ method: 'POST', url: 'http://other.test/upload', body: {} }));
    expect(cvat.isDone()).toBe(true);
    expect(other.isDone()).toBe(true);
  });

  it('does not store cookies from another origin', async () => {
    nock('http://other.test')
      .get('/x')
      .reply(200, {}, { 'Set-Cookie': ['sessionid=evil; Path=/'] });
    const transport = makeTransport();
    await lastValueFrom(transport.request({ method: 'GET', url: 'http://other.test/x' }));
    expect(transport.session.hasSession(`${HOST}/api`)).toBe(false);
    expect(transport.session.cookie('http://other.test/x', 'sessionid')).toBeUndefined();
  });

  it('withholds session cookies when a token scheme is used, but keeps other cookies', async () => {
    const scope = nock(HOST)
      .post('/api/auth/login')
      .reply(200, {}, { 'Set-Cookie': [...LOGIN_COOKIES, 'lb=node-2; Path=/'] });
    const seen = recordHeaders(scope);
    scope.post('/api/tasks').reply(201, {});
    const transport = makeTransport();
    await lastValueFrom(transport.request({ method: 'POST', url: '/api/auth/login', body: {} }));
    const withToken = transport.withConfiguration(transport.configuration.with({ token: 'key-1' }));
    await lastValueFrom(withToken.request({ method: 'POST', url: '/api/tasks', body: {} }));
    expect(seen[1]!['authorization']).toBe('Token key-1');
    expect(seen[1]!['cookie']).toBe('lb=node-2');
    expect(seen[1]!['x-csrftoken']).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });

  it('drops a cookie the server expires (logout)', async () => {
    const scope = nock(HOST)
      .post('/api/auth/login')
      .reply(200, {}, { 'Set-Cookie': LOGIN_COOKIES })
      .post('/api/auth/logout')
      .reply(
        200,
        {},
        { 'Set-Cookie': ['sessionid=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'] },
      );
    const transport = makeTransport();
    await lastValueFrom(transport.request({ method: 'POST', url: '/api/auth/login', body: {} }));
    expect(transport.session.hasSession(`${HOST}/api/tasks`)).toBe(true);
    await lastValueFrom(transport.request({ method: 'POST', url: '/api/auth/logout' }));
    expect(transport.session.hasSession(`${HOST}/api/tasks`)).toBe(false);
    expect(scope.isDone()).toBe(true);
  });

  it('in browsers: withCredentials for the CVAT origin and X-CSRFToken from document.cookie on unsafe methods', async () => {
    const seen: TransportRequest[] = [];
    const backend = (request: TransportRequest) => {
      seen.push(request);
      const response = {
        status: 200,
        statusText: 'OK',
        headers: {},
        body: null,
        method: request.method,
        url: request.url,
      };
      return of<TransportEvent>({ type: 'response', response });
    };
    const doc = { cookie: 'other=1; csrftoken=browser-csrf' };
    (globalThis as { document?: unknown }).document = doc;
    try {
      const transport = new Transport(new Configuration({ host: HOST, accessToken: 'pat' }), {
        platform: 'browser',
        backend,
      });
      await lastValueFrom(transport.request({ method: 'GET', url: '/api/tasks' }));
      await lastValueFrom(transport.request({ method: 'PATCH', url: '/api/tasks/1', body: {} }));
      await lastValueFrom(transport.request({ method: 'PATCH', url: 'http://other.test/x', body: {} }));
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
    const [get, patch, foreign] = seen;
    expect(get!.withCredentials).toBe(true);
    expect(get!.headers?.['X-CSRFToken']).toBeUndefined();
    expect(get!.headers?.['Authorization']).toBe('Bearer pat');
    expect(patch!.headers?.['X-CSRFToken']).toBe('browser-csrf');
    expect(foreign!.withCredentials).toBeUndefined();
    expect(foreign!.headers?.['X-CSRFToken']).toBeUndefined();
    expect(foreign!.headers?.['Authorization']).toBeUndefined();
  });
});
