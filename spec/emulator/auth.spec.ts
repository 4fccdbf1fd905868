import type { RunningEmulator } from '../../src/emulator';
import { Api, obj, results, withEmulator } from './helpers';

describe('emulator: authentication', () => {
  let emu: RunningEmulator;
  let admin: Api;
  let anon: Api;

  beforeEach(async () => {
    ({ emu, api: admin } = await withEmulator({
      users: [
        { username: 'admin', password: 'admin', is_superuser: true },
        { username: 'alice', password: 'secret', email: 'alice@example.com' },
      ],
    }));
    anon = new Api(emu.url, {});
  });
  afterEach(() => emu.close());

  it('serves /api/server/about without credentials', async () => {
    const r = await anon.get('/api/server/about');
    expect(r.status).toBe(200);
    expect(obj(r.body)).toMatchObject({
      name: expect.any(String),
      version: '2.73.1',
      description: expect.any(String),
      logo_url: expect.any(String),
      subtitle: expect.any(String),
    });
    expect(r.headers.get('content-type')).toBe('application/vnd.cvat+json');
  });

  it('answers 401 with {detail} without or with wrong credentials', async () => {
    const none = await anon.get('/api/users/self');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    const wrong = await new Api(emu.url, {
      Authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}`,
    }).get('/api/users/self');
    expect(wrong.status).toBe(401);
    expect(obj(wrong.body).detail).toEqual(expect.any(String));
    expect((await new Api(emu.url, { Authorization: 'Token nope' }).get('/api/tasks')).status).toBe(401);
    expect((await new Api(emu.url, { Authorization: 'Bearer nope' }).get('/api/tasks')).status).toBe(401);
  });

  it('accepts basic auth and returns the current user', async () => {
    const r = await admin.get('/api/users/self');
    expect(obj(r.body)).toMatchObject({ username: 'admin', is_superuser: true, groups: ['admin'] });
  });

  it('logs in by username or email: key plus sessionid/csrftoken cookies', async () => {
    const r = await anon.post('/api/auth/login', { username: 'alice', password: 'secret' });
    expect(r.status).toBe(200);
    expect(obj(r.body).key).toMatch(/^[0-9a-f]{40}$/);
    const cookies = r.headers.getSetCookie().join('\n');
    expect(cookies).toMatch(/sessionid=/);
    expect(cookies).toMatch(/csrftoken=/);
    const byEmail = await anon.post('/api/auth/login', { email: 'alice@example.com', password: 'secret' });
    expect(byEmail.status).toBe(200);
    const token = new Api(emu.url, { Authorization: `Token ${String(obj(r.body).key)}` });
    expect(obj((await token.get('/api/users/self')).body).username).toBe('alice');
    const form = await anon.call('POST', '/api/auth/login', {
      body: new URLSearchParams({ username: 'alice', password: 'secret' }),
    });
    expect(form.status).toBe(200);
    const bad = await anon.post('/api/auth/login', { username: 'alice', password: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ non_field_errors: ['Unable to log in with provided credentials.'] });
  });

  it('enforces CSRF on unsafe methods with session auth', async () => {
    const r = await anon.post('/api/auth/login', { username: 'admin', password: 'admin' });
    const cookies = r.headers.getSetCookie().map((c) => c.split(';')[0]);
    const csrf = cookies.find((c) => c.startsWith('csrftoken='))!.split('=')[1]!;
    const session = new Api(emu.url, { Cookie: cookies.join('; ') });
    expect((await session.get('/api/users/self')).status).toBe(200);
    const missing = await session.post('/api/projects', { name: 'p' });
    expect(missing.status).toBe(403);
    expect(obj(missing.body).detail).toMatch(/CSRF/);
    const wrong = await session.post('/api/projects', { name: 'p' }, { 'X-CSRFToken': 'x'.repeat(32) });
    expect(wrong.status).toBe(403);
    const ok = await session.post('/api/projects', { name: 'p' }, { 'X-CSRFToken': csrf });
    expect(ok.status).toBe(201);
  });

  it('logout invalidates the session and the token', async () => {
    const r = await anon.post('/api/auth/login', { username: 'admin', password: 'admin' });
    const token = new Api(emu.url, { Authorization: `Token ${String(obj(r.body).key)}` });
    const out = await token.post('/api/auth/logout');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ detail: 'Successfully logged out.' });
    expect((await token.get('/api/users/self')).status).toBe(401);
  });

  it('manages personal access tokens; read-only tokens cannot change anything', async () => {
    const created = await admin.post('/api/auth/access_tokens', { name: 'ci', read_only: true });
    expect(created.status).toBe(201);
    const t = obj(created.body);
    expect(t).toMatchObject({
      name: 'ci',
      read_only: true,
      value: expect.any(String),
      owner: expect.objectContaining({ username: 'admin' }),
    });
    const bearer = new Api(emu.url, { Authorization: `Bearer ${String(t.value)}` });
    expect((await bearer.get('/api/projects')).status).toBe(200);
    const self = await bearer.get('/api/auth/access_tokens/self');
    expect(obj(self.body)).toMatchObject({ id: t.id, name: 'ci' });
    expect(obj(self.body).value).toBeUndefined();
    expect(obj(self.body).last_used_date).toEqual(expect.any(String));
    const write = await bearer.post('/api/projects', { name: 'p' });
    expect(write.status).toBe(403);
    const listed = await admin.get('/api/auth/access_tokens');
    expect(results(listed.body).map((x) => x.name)).toEqual(['ci']);
    const patched = await admin.patch(`/api/auth/access_tokens/${String(t.id)}`, {
      read_only: false,
      name: 'ci2',
    });
    expect(obj(patched.body)).toMatchObject({ name: 'ci2', read_only: false });
    expect((await bearer.post('/api/projects', { name: 'p' })).status).toBe(201);
    expect((await admin.delete(`/api/auth/access_tokens/${String(t.id)}`)).status).toBe(204);
    expect((await bearer.get('/api/projects')).status).toBe(401);
  });

  it('rejects expired tokens and past expiry dates', async () => {
    const past = await admin.post('/api/auth/access_tokens', {
      name: 'old',
      expiry_date: '2000-01-01T00:00:00Z',
    });
    expect(past.status).toBe(400);
    expect(obj(past.body).expiry_date).toEqual([expect.any(String)]);
  });

  it('answers 403 when a user touches what is not theirs (CVAT finds the object, then refuses)', async () => {
    const p = obj((await admin.post('/api/projects', { name: 'admin-only' })).body);
    const alice = new Api(emu.url, {
      Authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}`,
    });
    expect((await alice.get(`/api/projects/${String(p.id)}`)).status).toBe(403);
    expect((await alice.delete('/api/users/1')).status).toBe(403);
    expect(results((await alice.get('/api/projects')).body)).toEqual([]);
  });

  it('answers 405 for a wrong method and 404 for unknown paths', async () => {
    const r = await admin.call('PUT', '/api/projects');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toContain('GET');
    expect((await admin.get('/api/nothing-here')).body).toEqual({ detail: 'Not found.' });
  });

  it('answers 501 for CVAT areas it does not implement', async () => {
    const r = await admin.get('/api/analytics');
    expect(r.status).toBe(501);
    expect(obj(r.body).detail).toMatch(/does not implement analytics/);
  });
});
