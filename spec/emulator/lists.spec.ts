import type { RunningEmulator } from '../../src/emulator';
import { Api, obj, results, withEmulator } from './helpers';

describe('emulator: lists, filters and organizations', () => {
  let emu: RunningEmulator;
  let api: Api;

  beforeEach(async () => {
    ({ emu, api } = await withEmulator({
      users: [
        { username: 'admin', password: 'admin', is_superuser: true },
        { username: 'worker', password: 'w', email: 'worker@example.com' },
      ],
    }));
  });
  afterEach(() => emu.close());

  const seed = async (n: number): Promise<void> => {
    for (let i = 1; i <= n; i++)
      await api.post('/api/tasks', {
        name: `task ${String(i).padStart(3, '0')}`,
        subset: i % 2 ? 'odd' : 'even',
      });
  };

  it('paginates with absolute next/previous links built from Host', async () => {
    await seed(25);
    const first = obj((await api.get('/api/tasks?page_size=10')).body);
    expect(first.count).toBe(25);
    expect(first.previous).toBeNull();
    expect(first.next).toBe(`${emu.url}/api/tasks?page_size=10&page=2`);
    expect((first.results as unknown[]).length).toBe(10);
    const last = obj((await api.get('/api/tasks?page_size=10&page=3')).body);
    expect(last.next).toBeNull();
    expect(last.previous).toBe(`${emu.url}/api/tasks?page_size=10&page=2`);
    expect((last.results as unknown[]).length).toBe(5);
    const all = obj((await api.get('/api/tasks?page_size=all')).body);
    expect((all.results as unknown[]).length).toBe(25);
    expect(all.next).toBeNull();
    expect((await api.get('/api/tasks?page=9')).body).toEqual({ detail: 'Invalid page.' });
    const proxied = obj((await api.get('/api/tasks', { 'X-Forwarded-Host': 'cvat.example.com:8080' })).body);
    expect(proxied.next).toBe('http://cvat.example.com:8080/api/tasks?page=2');
    expect((proxied.results as Array<Record<string, unknown>>)[0]!.url).toMatch(
      /^http:\/\/cvat\.example\.com:8080\/api\/tasks\/\d+$/,
    );
  });

  it('sorts (default newest first), searches and filters by simple fields', async () => {
    await seed(5);
    expect(results((await api.get('/api/tasks')).body).map((t) => t.id)).toEqual([5, 4, 3, 2, 1]);
    expect(results((await api.get('/api/tasks?sort=name')).body).map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
    expect(results((await api.get('/api/tasks?sort=subset,-id')).body).map((t) => t.id)).toEqual([
      4, 2, 5, 3, 1,
    ]);
    expect(results((await api.get('/api/tasks?search=TASK%20003')).body).map((t) => t.id)).toEqual([3]);
    expect(results((await api.get('/api/tasks?subset=even')).body).map((t) => t.id)).toEqual([4, 2]);
    expect(results((await api.get('/api/tasks?name=task%20002')).body).map((t) => t.id)).toEqual([2]);
    expect(results((await api.get('/api/tasks?owner=admin')).body)).toHaveLength(5);
  });

  it('applies JSON-Logic filters with CVAT operators', async () => {
    await seed(6);
    const f = async (rule: unknown): Promise<unknown[]> =>
      results(
        (await api.get(`/api/tasks?sort=id&filter=${encodeURIComponent(JSON.stringify(rule))}`)).body,
      ).map((t) => t.id);
    expect(await f({ '==': [{ var: 'owner' }, 'admin'] })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await f({ and: [{ '>=': [{ var: 'id' }, 2] }, { '<': [{ var: 'id' }, 5] }] })).toEqual([2, 3, 4]);
    expect(await f({ or: [{ '==': [{ var: 'id' }, 1] }, { '==': [{ var: 'id' }, 6] }] })).toEqual([1, 6]);
    expect(await f({ '!': { '==': [{ var: 'subset' }, 'odd'] } })).toEqual([2, 4, 6]);
    expect(await f({ in: ['005', { var: 'name' }] })).toEqual([5]);
    expect(await f({ in: [{ var: 'id' }, [2, 3]] })).toEqual([2, 3]);
    expect(await f({ '<=': [2, { var: 'id' }, 3] })).toEqual([2, 3]);
    // Model views build a Django Q: no `!=` (JsonLogicFilter._build_Q).
    const ne = await api.get(`/api/tasks?filter=${encodeURIComponent('{"!=":[{"var":"id"},1]}')}`);
    expect(ne.status).toBe(400);
    expect(ne.body).toEqual(["filter: != operation with [{'var': 'id'}, 1] arguments is not implemented"]);
    const bad = await api.get(`/api/tasks?filter=${encodeURIComponent('{"==":[{"var":"nope"},1]}')}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(["filter: 'nope' term is not supported"]);
  });

  it('scopes lists and creates by organization (header, org, org_id)', async () => {
    const org = await api.post('/api/organizations', { slug: 'acme', name: 'ACME' });
    expect(org.status).toBe(201);
    const orgId = obj(org.body).id as number;
    expect(obj(org.body)).toMatchObject({
      slug: 'acme',
      owner: expect.objectContaining({ username: 'admin' }),
    });
    await api.post('/api/tasks', { name: 'personal' });
    const inOrg = await api.call('POST', '/api/tasks', {
      json: { name: 'org task' },
      headers: { 'X-Organization': 'acme' },
    });
    expect(obj(inOrg.body)).toMatchObject({ organization: orgId, organization_id: orgId });
    const names = async (q: string, headers?: Record<string, string>): Promise<unknown[]> =>
      results((await api.get(`/api/tasks${q}`, headers)).body).map((t) => t.name);
    expect(await names('')).toEqual(['org task', 'personal']);
    expect(await names('', { 'X-Organization': 'acme' })).toEqual(['org task']);
    expect(await names('?org=acme')).toEqual(['org task']);
    expect(await names(`?org_id=${orgId}`)).toEqual(['org task']);
    expect(await names('?org=')).toEqual(['personal']);
    expect(await names('', { 'X-Organization': '' })).toEqual(['personal']);
    expect((await api.get(`/api/tasks?org_id=${orgId}`, { 'X-Organization': 'acme' })).status).toBe(400);
    expect((await api.get('/api/tasks?org=other', { 'X-Organization': 'acme' })).status).toBe(400);
    expect((await api.get('/api/tasks?org=missing')).status).toBe(404);
    const project = obj((await api.post('/api/projects?org=acme', { name: 'org project' })).body);
    const mismatch = await api.post('/api/tasks?org=', { name: 'x', project_id: project.id });
    expect(mismatch.status).toBe(400);
    // TaskWriteSerializer.create raises it while saving: a plain list, not a field error.
    expect(mismatch.body).toEqual(['The task and its project should be in the same organization.']);
  });

  it('invites a member who then sees the organization', async () => {
    await api.post('/api/organizations', { slug: 'acme' });
    const worker = new Api(emu.url, { Authorization: `Basic ${Buffer.from('worker:w').toString('base64')}` });
    expect((await worker.get('/api/tasks', { 'X-Organization': 'acme' })).status).toBe(403);
    const inv = await api.call('POST', '/api/invitations', {
      json: { role: 'worker', email: 'worker@example.com' },
      headers: { 'X-Organization': 'acme' },
    });
    expect(inv.status).toBe(201);
    const key = obj(inv.body).key as string;
    expect(obj(inv.body)).toMatchObject({
      role: 'worker',
      accepted: false,
      organization_info: { slug: 'acme' },
      user: expect.objectContaining({ username: 'worker' }),
    });
    expect(results((await worker.get('/api/invitations')).body)).toHaveLength(1);
    const acc = await worker.post(`/api/invitations/${key}/accept`);
    expect(acc.body).toEqual({ organization_slug: 'acme' });
    expect(results((await worker.get('/api/organizations')).body).map((o) => o.slug)).toEqual(['acme']);
    expect((await worker.get('/api/tasks', { 'X-Organization': 'acme' })).status).toBe(200);
    const members = results((await api.get('/api/memberships?org=acme')).body);
    expect(members.map((m) => [obj(m.user).username, m.role]).sort()).toEqual([
      ['admin', 'owner'],
      ['worker', 'worker'],
    ]);
    const wm = members.find((m) => m.role === 'worker')!;
    expect(
      obj((await api.patch(`/api/memberships/${String(wm.id)}`, { role: 'maintainer' })).body).role,
    ).toBe('maintainer');
    expect(results((await api.get('/api/users?org=acme')).body)).toHaveLength(2);
  });
});
