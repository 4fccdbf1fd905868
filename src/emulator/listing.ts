import type { Ctx } from './context';
import { badRequest, detail } from './errors';
import { evaluate } from './jsonlogic';

export interface ListSpec<T> {
  /** Values by name, used by `filter` vars, simple filters and `sort`. */
  fields: Record<string, (item: T) => unknown>;
  /** Query parameters that filter by equality. */
  simple: readonly string[];
  /** Fields `search` looks into (case-insensitive substring). */
  search: readonly string[];
  /** Ordering when `sort` is absent. */
  defaultSort?: string;
}

const DEFAULT_PAGE_SIZE = 10;

/** Applies search, simple filters, JSON-Logic `filter` and `sort` to a collection. */
export function query<T>(ctx: Ctx, items: Iterable<T>, spec: ListSpec<T>): T[] {
  const q = ctx.query;
  let out = [...items];
  for (const name of spec.simple) {
    const wanted = q.get(name);
    const get = spec.fields[name];
    if (wanted === null || !get) continue;
    out = out.filter((item) => matches(get(item), wanted));
  }
  const search = q.get('search');
  if (search) {
    const needle = search.toLowerCase();
    out = out.filter((item) =>
      spec.search.some((f) => {
        const v = spec.fields[f]?.(item);
        return v !== null && v !== undefined && String(v).toLowerCase().includes(needle);
      }),
    );
  }
  const filter = q.get('filter');
  if (filter) {
    let rule: unknown;
    try {
      rule = JSON.parse(filter);
    } catch {
      throw badRequest({ filter: 'filter: Invalid JSON' });
    }
    out = out.filter((item) =>
      Boolean(
        evaluate(rule, (name) => {
          const get = spec.fields[name];
          if (!get) throw badRequest({ filter: `filter: Unsupported field: ${name}` });
          return get(item);
        }),
      ),
    );
  }
  const sort = q.get('sort') ?? spec.defaultSort ?? '-id';
  const keys = sort
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => ({ desc: s.startsWith('-'), get: spec.fields[s.replace(/^-/, '')] }))
    .filter((k): k is { desc: boolean; get: (item: T) => unknown } => k.get !== undefined);
  if (keys.length) {
    out.sort((a, b) => {
      for (const k of keys) {
        const c = order(k.get(a), k.get(b));
        if (c !== 0) return k.desc ? -c : c;
      }
      return 0;
    });
  }
  return out;
}

function matches(value: unknown, wanted: string): boolean {
  if (value === null || value === undefined) return wanted === '' || wanted === 'null';
  if (typeof value === 'boolean') return String(value) === wanted.toLowerCase();
  return String(value) === wanted;
}

function order(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** CVAT's page-number pagination envelope, with absolute next/previous links. */
export function paginate<T>(ctx: Ctx, items: T[], serialize: (item: T) => unknown): void {
  const q = ctx.query;
  const rawSize = q.get('page_size');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawSize === 'all') pageSize = Math.max(items.length, 1);
  else if (rawSize !== null && rawSize !== '') {
    const n = Number(rawSize);
    if (Number.isInteger(n) && n > 0) pageSize = n;
  }
  const rawPage = q.get('page');
  const page =
    rawPage === null || rawPage === ''
      ? 1
      : rawPage === 'last'
        ? Math.max(1, Math.ceil(items.length / pageSize))
        : Number(rawPage);
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  if (!Number.isInteger(page) || page < 1 || page > pages) throw detail(404, 'Invalid page.');
  const link = (p: number): string => {
    const u = new URL(ctx.abs(ctx.path + ctx.url.search));
    if (p === 1) u.searchParams.delete('page');
    else u.searchParams.set('page', String(p));
    return u.toString();
  };
  ctx.json(200, {
    count: items.length,
    next: page < pages ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
    results: items.slice((page - 1) * pageSize, page * pageSize).map(serialize),
  });
}

export function list<T>(
  ctx: Ctx,
  items: Iterable<T>,
  spec: ListSpec<T>,
  serialize: (item: T) => unknown,
): void {
  paginate(ctx, query(ctx, items, spec), serialize);
}
