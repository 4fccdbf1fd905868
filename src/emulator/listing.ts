import type { Ctx } from './context';
import { detail, HttpError } from './errors';
import { evaluate, parseFilter, pyRepr } from './jsonlogic';

export interface ListSpec<T> {
  /**
   * The view's `filter_fields` (also its `ordering_fields`, as in every CVAT view), by name: the
   * only names `filter` vars and `sort` accept.
   */
  fields: Record<string, (item: T) => unknown>;
  /** The view's `simple_filters`: query parameters that filter by equality. */
  simple: readonly string[];
  /** The view's `search_fields`. */
  search: readonly string[];
  /** The view's `ordering_fields` when they are not its filter fields (invitations, requests). */
  sortFields?: Record<string, (item: T) => unknown>;
  /** The view's `ordering` (default `-id`). */
  defaultSort?: string;
  /** Non-model views (the Requests API) filter with NonModelJsonLogicFilter, which has `!=`. */
  nonModel?: boolean;
}

const DEFAULT_PAGE_SIZE = 10;

/** Applies simple filters, `search`, JSON-Logic `filter` and `sort` as CVAT's filter backends do. */
export function query<T>(ctx: Ctx, items: Iterable<T>, spec: ListSpec<T>): T[] {
  const q = ctx.query;
  let out = [...items];
  for (const name of spec.simple) {
    const wanted = q.get(name);
    const get = spec.fields[name];
    if (wanted === null || !get) continue;
    out = out.filter((item) => matches(get(item), wanted));
  }
  const terms = searchTerms(q.get('search'));
  if (terms.length) {
    // DRF SearchFilter: every term must be found (icontains) in one of the search fields.
    out = out.filter((item) =>
      terms.every((term) =>
        spec.search.some((f) => {
          const v = spec.fields[f]?.(item);
          return v !== null && v !== undefined && String(v).toLowerCase().includes(term);
        }),
      ),
    );
  }
  const filter = q.get('filter');
  if (filter) {
    const rules = parseFilter(filter);
    const options = { notEqual: spec.nonModel === true };
    out = out.filter((item) =>
      evaluate(
        rules,
        (name) => {
          const get = spec.fields[name];
          if (!get) throw new HttpError(400, [`filter: ${pyRepr(name)} term is not supported`]);
          return get(item);
        },
        options,
      ),
    );
  }
  const keys = ordering(q.get('sort'), spec);
  out.sort((a, b) => {
    for (const k of keys) {
      const c = order(k.get(a), k.get(b));
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
  return out;
}

/** DRF SearchFilter.get_search_terms: split on whitespace and commas. */
function searchTerms(raw: string | null): string[] {
  return (raw ?? '')
    .replace(/\0/g, '')
    .replace(/,/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => t.toLowerCase());
}

/** DRF OrderingFilter: unknown fields are dropped; none left means the view's default. */
function ordering<T>(
  raw: string | null,
  spec: ListSpec<T>,
): Array<{ desc: boolean; get: (item: T) => unknown }> {
  const sortable = spec.sortFields ?? spec.fields;
  const parse = (text: string): Array<{ desc: boolean; get: (item: T) => unknown }> =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => ({ desc: s.startsWith('-'), get: sortable[s.replace(/^-/, '')] }))
      .filter((k): k is { desc: boolean; get: (item: T) => unknown } => k.get !== undefined);
  const keys = raw ? parse(raw) : [];
  if (keys.length) return keys;
  const fallback = spec.defaultSort ?? '-id';
  const name = fallback.replace(/^-/, '');
  const get = sortable[name] ?? spec.fields[name] ?? ((item: T) => (item as Record<string, unknown>)[name]);
  return [{ desc: fallback.startsWith('-'), get }];
}

function matches(value: unknown, wanted: string): boolean {
  if (value === null || value === undefined) return wanted === '' || wanted === 'null';
  if (typeof value === 'boolean') return String(value) === wanted.toLowerCase();
  return String(value) === wanted;
}

/**
 * PostgreSQL's order: NULL sorts as larger than any value, so it comes last ascending and first
 * descending (the caller flips the sign for descending keys).
 */
function order(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const nullA = a === null || a === undefined;
  const nullB = b === null || b === undefined;
  if (nullA || nullB) return nullA && nullB ? 0 : nullA ? 1 : -1;
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
