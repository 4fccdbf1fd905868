import nock from 'nock';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { makeClient } from '../../src/client';
import type { CvatClient } from '../../src/client';
import { ApiError, UsageError, isApiError } from '../../src/errors';
import * as s from '../client/samples';

const { HOST, page } = s;

interface Case {
  readonly name: keyof CvatClient & string;
  readonly path: string;
  readonly ids: readonly [number | string, number | string, number | string];
  readonly sample: (id: never) => Record<string, unknown>;
  readonly create?: nock.DataMatcherMap;
  /** A field filter the repository's list accepts, and its wire form. */
  readonly field: readonly [string, string | number | boolean];
  /** The organization context is never sent (organizations themselves). */
  readonly withoutOrganization?: boolean;
}

const cases: Case[] = [
  {
    name: 'tasks',
    path: '/api/tasks',
    ids: [1, 2, 3],
    sample: s.task,
    create: { name: 'new', labels: [{ name: 'car' }] },
    field: ['status', 'completed'],
  },
  {
    name: 'projects',
    path: '/api/projects',
    ids: [1, 2, 3],
    sample: s.project,
    create: { name: 'p' },
    field: ['name', 'p'],
  },
  {
    name: 'jobs',
    path: '/api/jobs',
    ids: [1, 2, 3],
    sample: s.job,
    create: { task_id: 1, type: 'ground_truth', frame_count: 2 },
    field: ['task_id', 7],
  },
  { name: 'labels', path: '/api/labels', ids: [1, 2, 3], sample: s.label, field: ['project_id', 4] },
  { name: 'users', path: '/api/users', ids: [1, 2, 3], sample: s.user, field: ['is_active', true] },
  {
    name: 'organizations',
    path: '/api/organizations',
    ids: [1, 2, 3],
    sample: s.organization,
    create: { slug: 'acme', name: 'Acme' },
    field: ['slug', 'acme'],
    withoutOrganization: true,
  },
  {
    name: 'memberships',
    path: '/api/memberships',
    ids: [1, 2, 3],
    sample: s.membership,
    field: ['role', 'worker'],
  },
  {
    name: 'invitations',
    path: '/api/invitations',
    ids: ['k1', 'k2', 'k3'],
    sample: s.invitation,
    create: { email: 'w@x.org', role: 'worker' },
    field: ['accepted', false],
  },
  {
    name: 'issues',
    path: '/api/issues',
    ids: [1, 2, 3],
    sample: s.issue,
    create: { frame: 0, job: 1, message: 'm', position: [0, 0, 1, 1] },
    field: ['job_id', 1],
  },
  {
    name: 'comments',
    path: '/api/comments',
    ids: [1, 2, 3],
    sample: s.comment,
    create: { issue: 1, message: 'm' },
    field: ['issue_id', 1],
  },
  {
    name: 'cloudStorages',
    path: '/api/cloudstorages',
    ids: [1, 2, 3],
    sample: s.cloudStorage,
    create: {
      provider_type: 'AWS_S3_BUCKET',
      resource: 'b',
      display_name: 'd',
      credentials_type: 'ANONYMOUS_ACCESS',
    },
    field: ['provider_type', 'AWS_S3_BUCKET'],
  },
  {
    name: 'webhooks',
    path: '/api/webhooks',
    ids: [1, 2, 3],
    sample: s.webhook,
    create: { target_url: 'http://h', type: 'project', events: ['create:task'], project_id: 1 },
    field: ['project_id', 1],
  },
];

// Generic access to one repository by name; each case checks its own wire traffic.
interface AnyRepository {
  retrieve(id: number | string): Observable<{ id: unknown; model: unknown }>;
  list(query?: Record<string, unknown>): Observable<{ id: unknown }>;
  create?(spec: unknown): Observable<{ id: unknown; model: unknown }>;
  removeByIds(ids: readonly (number | string)[]): Observable<unknown[]>;
}
function repository(client: CvatClient, name: string): AnyRepository {
  return Reflect.get(client, name) as AnyRepository;
}

const sampleOf = (c: Case, id: number | string) =>
  (c.sample as (id: number | string) => Record<string, unknown>)(id);

describe('repositories on the wire', () => {
  let client: CvatClient;
  beforeAll(() => nock.disableNetConnect());
  beforeEach(() => {
    client = makeClient({
      host: HOST,
      credentials: { token: 'pat' },
      organization: 'acme',
      config: { transport: { retry: { maxAttempts: 1 } } },
    });
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  // One nock scope, expecting the auth header and the organization context as the resource wants it.
  const scope = (c: Case) =>
    c.withoutOrganization
      ? nock(HOST, { badheaders: ['x-organization'], reqheaders: { authorization: 'Bearer pat' } })
      : nock(HOST, { reqheaders: { authorization: 'Bearer pat', 'x-organization': 'acme' } });

  describe.each(cases)('$name', (c) => {
    const [a, b, d] = c.ids;

    it(`retrieve(id) sends GET ${c.path}/{id} and emits an entity`, async () => {
      const body = sampleOf(c, a);
      const sc = scope(c).get(`${c.path}/${a}`).reply(200, body);
      const entity = await firstValueFrom(repository(client, c.name).retrieve(a));
      expect(entity.id).toBe(a);
      expect(entity.model).toEqual(body);
      expect(Object.isFrozen(entity)).toBe(true);
      expect(sc.isDone()).toBe(true);
    });

    it('list(query) sends the filters with every page and follows next lazily', async () => {
      const [field, value] = c.field;
      const common = { filter: '{"==":[{"var":"id"},1]}', sort: '-id', search: 'x', [field]: String(value) };
      const sc = scope(c)
        .get(c.path)
        .query({ ...common, page: '1', page_size: '2' })
        .reply(200, page([sampleOf(c, a), sampleOf(c, b)], `${HOST}${c.path}?page=2`, 3))
        .get(c.path)
        .query({ ...common, page: '2', page_size: '2' })
        .reply(200, page([sampleOf(c, d)], null, 3));
      const items = await lastValueFrom(
        repository(client, c.name)
          .list({ filter: common.filter, sort: ['-id'], search: 'x', pageSize: 2, [field]: value })
          .pipe(toArray()),
      );
      expect(items.map((item) => item.id)).toEqual([a, b, d]);
      expect(sc.isDone()).toBe(true);
    });

    if (c.create) {
      const spec = c.create;
      it(`create(spec) sends POST ${c.path} with the spec as JSON`, async () => {
        const sc = scope(c).post(c.path, spec).reply(201, sampleOf(c, a));
        const created = await firstValueFrom(repository(client, c.name).create!(spec));
        expect(created.id).toBe(a);
        expect(sc.isDone()).toBe(true);
      });
    } else {
      it('has no create (the server creates these otherwise)', () => {
        expect(repository(client, c.name).create).toBeUndefined();
      });
    }

    it('removeByIds(ids) deletes each id in order and reports 404 instead of failing', async () => {
      const sc = scope(c)
        .delete(`${c.path}/${a}`)
        .reply(204)
        .delete(`${c.path}/${b}`)
        .reply(404, { detail: 'Not found.' })
        .delete(`${c.path}/${d}`)
        .reply(403, { detail: 'forbidden' });
      const outcomes = await firstValueFrom(repository(client, c.name).removeByIds([a, b, d]));
      expect(outcomes).toEqual([
        { id: a, outcome: 'deleted' },
        { id: b, outcome: 'not_found' },
        { id: d, outcome: 'failed', error: expect.any(ApiError) },
      ]);
      expect(sc.isDone()).toBe(true);
    });
  });

  it('list().pipe(take(5)) makes exactly one request', async () => {
    const sc = nock(HOST)
      .get('/api/tasks')
      .query({ page: '1', page_size: '100' })
      .reply(
        200,
        page(
          Array.from({ length: 100 }, (_, i) => s.task(i + 1)),
          `${HOST}/api/tasks?page=2`,
          1000,
        ),
      );
    const items = await lastValueFrom(client.tasks.list().pipe(take(5), toArray()));
    expect(items.map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
    expect(sc.isDone()).toBe(true);
    // A second page would be an unmatched request: nock would have errored the stream.
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('an invalid pageSize is a UsageError in the error channel, before any request', async () => {
    const listing = client.tasks.list({ pageSize: 0 });
    await expect(firstValueFrom(listing)).rejects.toBeInstanceOf(UsageError);
  });

  it('users.retrieveCurrentUser() sends GET /api/users/self', async () => {
    const sc = nock(HOST).get('/api/users/self').reply(200, s.user(5));
    const me = await firstValueFrom(client.users.retrieveCurrentUser());
    expect(me.id).toBe(5);
    expect(me.username).toBe('user5');
    expect(sc.isDone()).toBe(true);
  });

  it('requests.retrieve/list/cancel use /api/requests', async () => {
    const rq = 'action=export&target=task&id=1';
    const sc = nock(HOST)
      .get(`/api/requests/${encodeURIComponent(rq)}`)
      .reply(200, s.request(rq))
      .get('/api/requests')
      .query({ status: 'started', page: '1', page_size: '100' })
      .reply(200, page([s.request(rq, 'started')]))
      .post(`/api/requests/${encodeURIComponent(rq)}/cancel`)
      .reply(200);
    expect((await firstValueFrom(client.requests.retrieve(rq))).id).toBe(rq);
    expect((await lastValueFrom(client.requests.list({ status: 'started' }).pipe(toArray()))).length).toBe(1);
    await expect(firstValueFrom(client.requests.cancel(rq))).resolves.toBeUndefined();
    expect(sc.isDone()).toBe(true);
  });

  it('a 400 on create carries the server field errors', async () => {
    nock(HOST)
      .post('/api/tasks')
      .reply(400, { name: ['This field is required.'] });
    const error = await firstValueFrom(client.tasks.create({ name: '' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(isApiError(error) && error.fieldErrors).toEqual({ name: ['This field is required.'] });
  });

  it('a spec JSON cannot carry is a UsageError in the error channel, not a throw', async () => {
    const spec = { name: 'x', when: () => 1 } as unknown as { name: string };
    const create$ = client.tasks.create(spec);
    await expect(firstValueFrom(create$)).rejects.toBeInstanceOf(UsageError);
  });

  it('nothing is sent before subscription', () => {
    client.tasks.retrieve(1);
    client.tasks.list();
    client.tasks.removeByIds([1]);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
