import { f, filterFor, serializeFilter } from '../../src/pagination/filter';
import type {
  JobFilterFields,
  ProjectFilterFields,
  TaskFilterFields,
  Filter,
} from '../../src/pagination/filter';

describe('filter serialization', () => {
  it("produces CVAT's own documented example", () => {
    expect(serializeFilter(f.and(f.eq('owner', '<user>')))).toBe(
      '{"and":[{"==":[{"var":"owner"},"<user>"]}]}',
    );
  });

  it('serializes every operator in the form CVAT implements', () => {
    const cases: [Filter, string][] = [
      [f.eq('name', 'x'), '{"==":[{"var":"name"},"x"]}'],
      [f.ne('name', 'x'), '{"!":{"==":[{"var":"name"},"x"]}}'],
      [f.lt('id', 10), '{"<":[{"var":"id"},10]}'],
      [f.lte('id', 10), '{"<=":[{"var":"id"},10]}'],
      [f.gt('id', 10), '{">":[{"var":"id"},10]}'],
      [f.gte('id', 10), '{">=":[{"var":"id"},10]}'],
      [f.between('id', 5, 9), '{"<=":[5,{"var":"id"},9]}'],
      [f.in('status', ['annotation', 'validation']), '{"in":[{"var":"status"},["annotation","validation"]]}'],
      [f.contains('name', 'v2'), '{"in":["v2",{"var":"name"}]}'],
      [f.isSet('assignee'), '{"var":"assignee"}'],
      [f.eq('assignee', null), '{"==":[{"var":"assignee"},null]}'],
      [f.not(f.eq('id', 1)), '{"!":{"==":[{"var":"id"},1]}}'],
      [f.or(f.eq('id', 1), f.eq('id', 2)), '{"or":[{"==":[{"var":"id"},1]},{"==":[{"var":"id"},2]}]}'],
    ];
    for (const [filter, expected] of cases) expect(filter.toString()).toBe(expected);
  });

  it('nests and / or / not as written', () => {
    const filter = f.and(
      f.eq('name', 'x'),
      f.in('status', ['annotation', 'validation']),
      f.gt('id', 10),
      f.not(f.or(f.eq('owner', 'a'), f.eq('owner', 'b'))),
    );
    expect(JSON.parse(filter.toString())).toEqual({
      and: [
        { '==': [{ var: 'name' }, 'x'] },
        { in: [{ var: 'status' }, ['annotation', 'validation']] },
        { '>': [{ var: 'id' }, 10] },
        { '!': { or: [{ '==': [{ var: 'owner' }, 'a'] }, { '==': [{ var: 'owner' }, 'b'] }] } },
      ],
    });
  });

  it('JSON.stringify(filter) gives the same string as serializeFilter, and strings pass through', () => {
    const filter = f.and(f.eq('name', 'x'), f.gte('updated_date', '2026-01-01T00:00:00Z'));
    expect(JSON.stringify(filter)).toBe(serializeFilter(filter));
    expect(serializeFilter('{"==":[{"var":"id"},1]}')).toBe('{"==":[{"var":"id"},1]}');
  });

  it('escapes values safely', () => {
    expect(f.eq('name', 'quote " and \\ backslash').toString()).toBe(
      '{"==":[{"var":"name"},"quote \\" and \\\\ backslash"]}',
    );
  });

  it('does not share state between filters (immutability)', () => {
    const values = ['annotation'];
    const filter = f.in('status', values);
    values.push('completed');
    expect(filter.toString()).toBe('{"in":[{"var":"status"},["annotation"]]}');
  });
});

describe('typed builders', () => {
  it('accept the fields and values of their resource', () => {
    const t = filterFor<TaskFilterFields>();
    const filter: Filter<keyof TaskFilterFields> = t.and(
      t.eq('status', 'annotation'),
      t.gt('id', 10),
      t.contains('name', 'cats'),
      t.eq('project_id', 3),
    );
    expect(filter.toString()).toContain('"status"');

    const j = filterFor<JobFilterFields>();
    expect(j.in('stage', ['validation', 'acceptance']).toString()).toBe(
      '{"in":[{"var":"stage"},["validation","acceptance"]]}',
    );
  });

  it('reject wrong fields and values at compile time (checked by tsc, never run)', () => {
    const t = filterFor<TaskFilterFields>();
    const p = filterFor<ProjectFilterFields>();
    const compileOnly = (): void => {
      // @ts-expect-error: tasks have no `slug` filter field
      t.eq('slug', 'x');
      // @ts-expect-error: status is annotation | validation | completed
      t.eq('status', 'done');
      // @ts-expect-error: id compares with numbers
      t.gt('id', '10');
      // @ts-expect-error: contains needs a string field
      t.contains('id', '1');
      // @ts-expect-error: and() needs at least one operand (CVAT fails on an empty list)
      t.and();
      // @ts-expect-error: a task-only field cannot go into a project filter
      p.and(t.eq('subset', 'train'));
    };
    expect(compileOnly).toBeInstanceOf(Function);
  });
});
