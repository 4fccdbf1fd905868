import { HttpError } from './errors';

/**
 * CVAT's JsonLogicFilter (cvat/apps/engine/filters.py), evaluated on records instead of turned
 * into a Django Q object:
 * - `and`/`or` over a non-empty list, `!`, `!!`, `var` (the field is not null);
 * - `==`, `<`, `<=`, `>`, `>=` with `{"var": field}` first; `<=` with three arguments is the
 *   between form;
 * - `in` with the var first is list membership; with the value first it is Django's
 *   `contains`: a case-sensitive substring test;
 * - `!=` is not implemented by model views (only the Requests API's non-model filter has it);
 * - a var outside the view's `filter_fields` is refused;
 * - errors are ValidationErrors: a JSON list body, with CVAT's texts (Python reprs included).
 */

export type VarLookup = (name: string) => unknown;

export interface LogicOptions {
  /** The Requests API's NonModelJsonLogicFilter also has `!=`. */
  notEqual?: boolean;
}

const fail = (message: string): HttpError => new HttpError(400, [message]);

/** Python's repr() of a JSON value, as CVAT's messages show it. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (v.includes("'") && !v.includes('"')) return `"${v.replace(/\\/g, '\\\\')}"`;
    return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/** JsonLogicFilter._parse_query */
export function parseFilter(text: string): unknown {
  let rules: unknown;
  try {
    rules = JSON.parse(text);
  } catch {
    throw fail('filter: Json syntax should be used');
  }
  const empty =
    rules === null ||
    rules === '' ||
    (Array.isArray(rules) && !rules.length) ||
    (typeof rules === 'object' && !Object.keys(rules as object).length);
  if (empty) throw fail("filter shouldn't be empty");
  return rules;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Evaluates parsed rules against one record. */
export function evaluate(rules: unknown, lookup: VarLookup, options: LogicOptions = {}): boolean {
  if (!isObject(rules) || !Object.keys(rules).length)
    throw fail(`filter: ${pyRepr(rules)} operation with [] arguments is not implemented`);
  const [op, args] = Object.entries(rules)[0]!;
  const notImplemented = (): HttpError =>
    fail(`filter: ${op} operation with ${pyRepr(args)} arguments is not implemented`);
  const list = Array.isArray(args) ? args : null;
  const varOf = (v: unknown): unknown => {
    if (!isObject(v) || !('var' in v)) throw notImplemented();
    const name = v.var;
    if (typeof name !== 'string') throw notImplemented();
    return lookup(name);
  };
  switch (op) {
    case 'and':
    case 'or': {
      // Django's reduce() over an empty list fails; it is refused here.
      if (!list || !list.length) throw notImplemented();
      const values = list.map((r) => evaluate(r, lookup, options));
      return op === 'and' ? values.every(Boolean) : values.some(Boolean);
    }
    case '!':
      return !evaluate(args, lookup, options);
    case '!!':
      return evaluate(args, lookup, options);
    case 'var':
      if (typeof args !== 'string') throw notImplemented();
      return lookup(args) !== null && lookup(args) !== undefined;
    case 'in': {
      if (!list || list.length !== 2) throw notImplemented();
      if (isObject(list[0])) {
        const value = varOf(list[0]);
        const hay = list[1];
        if (!Array.isArray(hay)) throw notImplemented();
        return hay.some((h) => equal(value, h));
      }
      const value = varOf(list[1]);
      return value !== null && value !== undefined && String(value).includes(String(list[0]));
    }
    case '==':
    case '!=':
    case '<':
    case '>':
    case '<=':
    case '>=': {
      if (op === '!=' && !options.notEqual) throw notImplemented();
      if (list && list.length === 3 && op === '<=') {
        const value = varOf(list[1]);
        return compare(value, list[0]) >= 0 && compare(value, list[2]) <= 0;
      }
      if (!list || list.length !== 2) throw notImplemented();
      const value = varOf(list[0]);
      if (op === '==') return equal(value, list[1]);
      if (op === '!=') return !equal(value, list[1]);
      if (value === null || value === undefined || list[1] === null) return false;
      const c = compare(value, list[1]);
      return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
    }
    default:
      throw notImplemented();
  }
}

/** A field lookup `field=value`, with Django's conversion of the value to the field's type. */
export function equal(value: unknown, wanted: unknown): boolean {
  if (value === null || value === undefined) return wanted === null;
  if (wanted === null) return false;
  if (typeof value === 'number') return value === Number(wanted) && String(wanted).trim() !== '';
  if (typeof value === 'boolean')
    return (
      value === (wanted === true || wanted === 'true' || wanted === 'True' || wanted === 1 || wanted === '1')
    );
  return String(value) === String(wanted);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number') {
    const n = Number(b);
    return a < n ? -1 : a > n ? 1 : 0;
  }
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
