import { toJson } from '../../src/entities/json';
import { resolveListQuery } from '../../src/entities/query';
import { UsageError } from '../../src/errors';
import { filterFor } from '../../src/pagination/filter';
import type { TaskFilterFields } from '../../src/pagination/filter';

describe('resolveListQuery', () => {
  it('turns the common options and field filters into wire parameters', () => {
    const where = filterFor<TaskFilterFields>();
    const resolved = resolveListQuery(
      {
        filter: where.and(where.eq('status', 'completed'), where.gt('id', 3)),
        sort: ['name', '-id'],
        search: 'car',
        pageSize: 25,
        prefetch: 2,
        project_id: 7,
        owner: undefined,
      } as Parameters<typeof resolveListQuery>[0],
      100,
    );
    expect(resolved).toEqual({
      params: {
        filter: '{"and":[{"==":[{"var":"status"},"completed"]},{">":[{"var":"id"},3]}]}',
        sort: 'name,-id',
        search: 'car',
        project_id: 7,
      },
      pageSize: 25,
      prefetch: 2,
    });
  });

  it('uses the default page size, no prefetch, and lets fixed parameters win', () => {
    expect(resolveListQuery({ filter: '{"var":"assignee"}' }, 100, { task_id: 1 })).toEqual({
      params: { filter: '{"var":"assignee"}', task_id: 1 },
      pageSize: 100,
      prefetch: 0,
    });
  });

  it.each([[{ pageSize: 0 }], [{ pageSize: 1.5 }], [{ prefetch: -1 }]])(
    'rejects %j with a UsageError',
    (query) => {
      expect(() => resolveListQuery(query, 100)).toThrow(UsageError);
    },
  );

  it('rejects a field filter that is not a scalar', () => {
    const query = { name: ['a', 'b'] } as Parameters<typeof resolveListQuery>[0];
    expect(() => resolveListQuery(query, 100)).toThrow(UsageError);
  });
});

describe('toJson', () => {
  it('keeps JSON data, turns dates into ISO strings and drops undefined members', () => {
    const date = new Date('2026-01-02T03:04:05.000Z');
    expect(toJson({ a: 1, b: [true, null, 'x'], c: undefined, d: date })).toEqual({
      a: 1,
      b: [true, null, 'x'],
      d: '2026-01-02T03:04:05.000Z',
    });
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['NaN', { n: Number.NaN }],
    ['a bigint', { n: BigInt(1) }],
  ])('rejects %s with a UsageError naming the path', (_what, value) => {
    expect(() => toJson(value)).toThrow(UsageError);
  });

  it('rejects cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJson(cyclic)).toThrow(/circular/);
  });
});
