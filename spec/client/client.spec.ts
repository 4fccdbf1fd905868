import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ApiClient } from '../../src/api';
import { connect, CvatClient, makeClient } from '../../src/client';
import { NetworkError, UsageError } from '../../src/errors';
import { checkServerVersion } from '../../src/client/version';
import * as s from './samples';

const { HOST } = s;
const about = (version: string) => ({ name: 'CVAT', description: 'd', version, logo_url: '', subtitle: '' });
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const noRetry = { transport: { retry: { maxAttempts: 1 } } };

describe('makeClient and the client', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  describe('credentials', () => {
    it('{ username, password } sends HTTP Basic until login', async () => {
      const client = makeClient({ host: HOST, credentials: { username: 'alice', password: 's3cret' } });
      const sc = nock(HOST, { reqheaders: { authorization: basic('alice', 's3cret') } })
        .get('/api/users/self')
        .reply(200, s.user(1));
      await firstValueFrom(client.users.retrieveCurrentUser());
      expect(sc.isDone()).toBe(true);
      expect(client.hasCredentials()).toBe(true);
    });

    it('{ token } sends the personal access token as Bearer', async () => {
      const client = makeClient({ host: HOST, credentials: { token: 'pat-123' } });
      const sc = nock(HOST, { reqheaders: { authorization: 'Bearer pat-123' } })
        .get('/api/tasks/1')
        .reply(200, s.task(1));
      await firstValueFrom(client.tasks.retrieve(1));
      expect(sc.isDone()).toBe(true);
    });

    it('login(password) trades the password for a key and emits a new client; the original is unchanged', async () => {
      const client = makeClient({ host: HOST });
      const login = nock(HOST, { badheaders: ['authorization'] })
        .post('/api/auth/login', { username: 'alice', password: 's3cret' })
        .reply(200, { key: 'k3y' }, { 'Set-Cookie': ['sessionid=abc; Path=/', 'csrftoken=tok; Path=/'] });
      const loggedIn = await firstValueFrom(client.login({ username: 'alice', password: 's3cret' }));
      expect(login.isDone()).toBe(true);
      expect(loggedIn).not.toBe(client);
      expect(loggedIn.hasCredentials()).toBe(true);
      expect(client.hasCredentials()).toBe(false);
      const sc = nock(HOST, { reqheaders: { authorization: 'Token k3y' } })
        .get('/api/tasks/1')
        .reply(200, s.task(1));
      await firstValueFrom(loggedIn.tasks.retrieve(1));
      expect(sc.isDone()).toBe(true);
    });

    it('login(password) with a wrong password fails with the server answer', async () => {
      const client = makeClient({ host: HOST, config: noRetry });
      nock(HOST)
        .post('/api/auth/login')
        .reply(400, { non_field_errors: ['Unable to log in with provided credentials.'] });
      await expect(firstValueFrom(client.login({ username: 'a', password: 'b' }))).rejects.toMatchObject({
        name: 'ApiError',
        status: 400,
      });
    });

    it('login with empty credentials is a UsageError in the error channel', async () => {
      const client = makeClient({ host: HOST });
      const login$ = client.login({ username: '', password: '' });
      await expect(firstValueFrom(login$)).rejects.toBeInstanceOf(UsageError);
    });

    it('login(token) checks the token with GET /api/users/self', async () => {
      const client = makeClient({ host: HOST });
      const sc = nock(HOST, { reqheaders: { authorization: 'Bearer pat' } })
        .get('/api/users/self')
        .reply(200, s.user(1));
      const loggedIn = await firstValueFrom(client.login({ token: 'pat' }));
      expect(loggedIn.hasCredentials()).toBe(true);
      expect(sc.isDone()).toBe(true);
    });

    it('logout() posts /api/auth/logout and emits a client without credentials', async () => {
      const client = makeClient({ host: HOST, credentials: { token: 'pat' } });
      const sc = nock(HOST, { reqheaders: { authorization: 'Bearer pat' } })
        .post('/api/auth/logout')
        .reply(200, { detail: 'Successfully logged out.' });
      const out = await firstValueFrom(client.logout());
      expect(sc.isDone()).toBe(true);
      expect(out.hasCredentials()).toBe(false);
      const anon = nock(HOST, { badheaders: ['authorization'] })
        .get('/api/tasks/1')
        .reply(200, s.task(1));
      await firstValueFrom(out.tasks.retrieve(1));
      expect(anon.isDone()).toBe(true);
    });
  });

  describe('organization context', () => {
    it('withOrganization(slug) scopes a new client and leaves the original unscoped', async () => {
      const client = makeClient({ host: HOST, credentials: { token: 'pat' } });
      const scoped = client.withOrganization('acme');
      expect(scoped.organization).toBe('acme');
      expect(client.organization).toBeUndefined();
      const sc = nock(HOST, { reqheaders: { 'x-organization': 'acme', authorization: 'Bearer pat' } })
        .get('/api/tasks')
        .query(true)
        .reply(200, s.page([]));
      const unscoped = nock(HOST, { badheaders: ['x-organization'] })
        .get('/api/tasks')
        .query(true)
        .reply(200, s.page([]));
      await lastValueFrom(scoped.tasks.list().pipe(toArray()));
      await lastValueFrom(client.tasks.list().pipe(toArray()));
      expect(sc.isDone() && unscoped.isDone()).toBe(true);
    });

    it("withOrganization('') is the personal workspace (an empty X-Organization)", async () => {
      const personal = makeClient({ host: HOST, organization: 'acme' }).withOrganization('');
      expect(personal.organization).toBe('');
      const sc = nock(HOST, { reqheaders: { 'x-organization': '' } })
        .get('/api/tasks')
        .query(true)
        .reply(200, s.page([]));
      await lastValueFrom(personal.tasks.list().pipe(toArray()));
      expect(sc.isDone()).toBe(true);
    });
  });

  describe('the client object', () => {
    it('is frozen, and client.api is the generated ApiClient on the same transport', () => {
      const client = makeClient({ host: HOST });
      expect(Object.isFrozen(client)).toBe(true);
      expect(client).toBeInstanceOf(CvatClient);
      expect(client.api).toBeInstanceOf(ApiClient);
      expect(client.api.transport).toBe(client.transport);
    });

    it('about() and serverVersion() read /api/server/about', async () => {
      const client = makeClient({ host: HOST });
      nock(HOST).get('/api/server/about').twice().reply(200, about('2.73.1'));
      await expect(firstValueFrom(client.about())).resolves.toMatchObject({ name: 'CVAT' });
      await expect(firstValueFrom(client.serverVersion())).resolves.toBe('2.73.1');
    });
  });

  describe('scheme detection for a host without a scheme', () => {
    it('tries https first, falls back to http, and probes only once', async () => {
      // Something that is not CVAT answers over https (a 404 page).
      const https = nock('https://cvat.test').get('/api/server/about').reply(404, '<html></html>');
      const http = nock('http://cvat.test').get('/api/server/about').reply(200, about('2.73.1'));
      const client = makeClient({ host: 'cvat.test', credentials: { token: 'pat' }, config: noRetry });
      expect(https.isDone() || http.isDone()).toBe(false);
      const calls = nock('http://cvat.test', { reqheaders: { authorization: 'Bearer pat' } })
        .get('/api/tasks/1')
        .twice()
        .reply(200, s.task(1));
      await firstValueFrom(client.tasks.retrieve(1));
      await firstValueFrom(client.withOrganization('x').tasks.retrieve(1));
      expect(https.isDone() && http.isDone() && calls.isDone()).toBe(true);
    });

    it('accepts a 401 from the probe (servers before 2.3 protect /about)', async () => {
      nock('https://cvat.test').get('/api/server/about').reply(401, { detail: 'no' });
      const call = nock('https://cvat.test').get('/api/tasks/1').reply(200, s.task(1));
      const client = makeClient({ host: 'cvat.test', config: noRetry });
      await firstValueFrom(client.tasks.retrieve(1));
      expect(call.isDone()).toBe(true);
    });

    it('fails with NetworkError when neither scheme answers as CVAT', async () => {
      nock('https://cvat.test').get('/api/server/about').reply(502, 'bad gateway');
      nock('http://cvat.test').get('/api/server/about').reply(404, 'nope');
      const client = makeClient({ host: 'cvat.test', config: noRetry });
      await expect(firstValueFrom(client.tasks.retrieve(1))).rejects.toBeInstanceOf(NetworkError);
    });
  });

  describe('server version check', () => {
    it('supports the tested major.minor and the next one', () => {
      expect(checkServerVersion('2.73.1').supported).toBe(true);
      expect(checkServerVersion('v2.74.0').supported).toBe(true);
      expect(checkServerVersion('2.72.9').supported).toBe(false);
      expect(checkServerVersion('garbage').supported).toBe(false);
    });

    it('warns through the injected logger by default', async () => {
      const warn = jest.fn();
      const client = makeClient({ host: HOST, config: { logger: { warn } } });
      nock(HOST).get('/api/server/about').reply(200, about('2.10.0'));
      const check = await firstValueFrom(client.checkServerVersion());
      expect(check.supported).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('2.10.0'));
    });

    it('fails with UsageError when allowUnsupportedServer is false', async () => {
      const warn = jest.fn();
      const client = makeClient({ host: HOST, config: { logger: { warn }, allowUnsupportedServer: false } });
      nock(HOST).get('/api/server/about').reply(200, about('2.10.0'));
      await expect(firstValueFrom(client.checkServerVersion())).rejects.toBeInstanceOf(UsageError);
      expect(warn).not.toHaveBeenCalled();
    });

    it('connect() logs in and checks the version, emitting the logged-in client', async () => {
      const warn = jest.fn();
      const sc = nock(HOST)
        .post('/api/auth/login', { username: 'a', password: 'b' })
        .reply(200, { key: 'k' })
        .get('/api/server/about')
        .reply(200, about('2.73.1'));
      const client = await firstValueFrom(
        connect({ host: HOST, credentials: { username: 'a', password: 'b' }, config: { logger: { warn } } }),
      );
      expect(client.hasCredentials()).toBe(true);
      expect(warn).not.toHaveBeenCalled();
      expect(sc.isDone()).toBe(true);
    });
  });
});
