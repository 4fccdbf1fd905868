import { cvatCase, useTarget } from './support/target';
import type { Session } from './support/target';

/** Lists: sort, JSON-Logic filter and search (#15 divergence 7). */
describe('conformance: lists', () => {
  const target = useTarget();
  let made: Array<{ id: number; name: string }> | undefined;

  /** Three tasks of this run, created once: …alpha-one, …beta-two, …Alpha-three. */
  async function tasks(): Promise<Array<{ id: number; name: string }>> {
    if (made) return made;
    made = [];
    for (const base of ['alpha-one', 'beta-two', 'Alpha-three']) {
      const r = await target().admin.post('/api/tasks', {
        name: target().name(base),
        labels: [{ name: 'car' }],
      });
      made.push(r.body as { id: number; name: string });
    }
    return made;
  }

  /** Names of this run's tasks in the order the server lists them. */
  async function names(
    s: Session,
    query: Record<string, string>,
  ): Promise<{ status: number; names: string[]; body: unknown }> {
    const r = await s.get('/api/tasks', { query: { page_size: '100', ...query } });
    const results = (r.body as { results?: Array<{ name: string }> }).results ?? [];
    const prefix = target().prefix;
    return {
      status: r.status,
      names: results.filter((t) => t.name.startsWith(prefix)).map((t) => t.name.slice(prefix.length)),
      body: r.body,
    };
  }

  const filter = (rule: unknown): Record<string, string> => ({ filter: JSON.stringify(rule) });
  const mine = (): Record<string, unknown> => ({ in: [target().prefix, { var: 'name' }] });

  cvatCase(
    'the default order is -id, for users too; an unknown sort field falls back to it',
    'cvat/apps/engine/views.py TaskViewSet/UserViewSet.ordering = "-id"; DRF OrderingFilter.remove_invalid_fields',
    async () => {
      const admin = target().admin;
      await tasks();
      expect((await names(admin, filter(mine()))).names).toEqual(['Alpha-three', 'beta-two', 'alpha-one']);
      expect((await names(admin, { ...filter(mine()), sort: 'no_such_field' })).names).toEqual([
        'Alpha-three',
        'beta-two',
        'alpha-one',
      ]);
      expect((await names(admin, { ...filter(mine()), sort: 'id' })).names).toEqual([
        'alpha-one',
        'beta-two',
        'Alpha-three',
      ]);
      const users = (await admin.get('/api/users', { query: { page_size: '100' } })).body as {
        results: Array<{ id: number }>;
      };
      const ids = users.results.map((u) => u.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    },
  );

  cvatCase(
    "filter vars are limited to the view's filter_fields",
    'cvat/apps/engine/filters.py JsonLogicFilter.apply_filter ("term is not supported"); TaskViewSet.filter_fields',
    async () => {
      const r = await names(target().admin, filter({ '==': [{ var: 'created_date' }, 'x'] }));
      expect(r.status).toBe(400);
      expect(r.body).toEqual(["filter: 'created_date' term is not supported"]);
    },
  );

  cvatCase(
    '!= is not a filter operator of model views',
    'cvat/apps/engine/filters.py JsonLogicFilter._build_Q',
    async () => {
      const r = await names(target().admin, filter({ '!=': [{ var: 'id' }, 1] }));
      expect(r.status).toBe(400);
      expect(r.body).toEqual(["filter: != operation with [{'var': 'id'}, 1] arguments is not implemented"]);
    },
  );

  cvatCase(
    'an empty "and" is refused',
    'cvat/apps/engine/filters.py JsonLogicFilter._build_Q (reduce over no rules)',
    async () => {
      const r = await names(target().admin, filter({ and: [] }));
      expect(r.status).toBe(400);
      expect(Array.isArray(r.body)).toBe(true);
    },
  );

  cvatCase(
    '"in" on a string field is a case-sensitive substring test',
    'cvat/apps/engine/filters.py JsonLogicFilter._build_Q ("in" with the value first: __contains)',
    async () => {
      await tasks();
      const rule = (word: string): unknown => ({ and: [mine(), { in: [word, { var: 'name' }] }] });
      expect((await names(target().admin, filter(rule('Alpha')))).names).toEqual(['Alpha-three']);
      expect((await names(target().admin, filter(rule('alpha')))).names).toEqual(['alpha-one']);
    },
  );

  cvatCase(
    'search looks only in the search fields; every word (split on spaces or commas) must match',
    'DRF SearchFilter.get_search_terms / filter_queryset; TaskViewSet.search_fields',
    async () => {
      await tasks();
      const prefix = target().prefix;
      // Case-insensitive, every word: the prefix and "alpha".
      expect((await names(target().admin, { search: `${prefix},alpha`, sort: 'id' })).names).toEqual([
        'alpha-one',
        'Alpha-three',
      ]);
      expect((await names(target().admin, { search: `${prefix} two`, sort: 'id' })).names).toEqual([
        'beta-two',
      ]);
      // `status` is a filter field but not a search field.
      expect((await names(target().admin, { search: `${prefix} annotation` })).names).toEqual([]);
    },
  );

  cvatCase(
    'memberships are searched by user only, not by role',
    'schema.yml /api/memberships (search_fields: user); cvat/apps/organizations/views.py MembershipViewSet',
    async () => {
      const admin = target().admin;
      const slug = `c${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 16);
      const org = await admin.post('/api/organizations', { slug, name: target().name('org') });
      expect(org.status).toBe(201);
      const count = async (search: string): Promise<number> =>
        ((await admin.get('/api/memberships', { org: slug, query: { search } })).body as { count: number })
          .count;
      expect(await count(admin.username)).toBe(1);
      expect(await count('owner')).toBe(0);
    },
  );
});
