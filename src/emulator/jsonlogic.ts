import { badRequest } from './errors';

export type VarLookup = (name: string) => unknown;

/**
 * Evaluates the JSON-Logic subset CVAT's JsonLogicFilter accepts: and, or, !, !!, ==, !=, <, <=,
 * >, >=, in, var. `in` with a string on the right is a case-insensitive substring test, as CVAT
 * turns it into `icontains`; with a list it is membership.
 */
export function evaluate(rule: unknown, lookup: VarLookup): unknown {
  if (rule === null || typeof rule !== 'object') return rule;
  if (Array.isArray(rule)) return rule.map((r) => evaluate(r, lookup));
  const keys = Object.keys(rule);
  if (keys.length !== 1)
    throw badRequest({ filter: 'Each JSON Logic operation must have exactly one operator.' });
  const op = keys[0] as string;
  const raw = (rule as Record<string, unknown>)[op];
  const args = Array.isArray(raw) ? raw : [raw];
  const arg = (i: number): unknown => evaluate(args[i], lookup);
  switch (op) {
    case 'var': {
      const name = args[0];
      if (typeof name !== 'string') throw badRequest({ filter: '"var" expects a field name.' });
      return lookup(name);
    }
    case 'and':
      return args.every((_, i) => truthy(arg(i)));
    case 'or':
      return args.some((_, i) => truthy(arg(i)));
    case '!':
      return !truthy(arg(0));
    case '!!':
      return truthy(arg(0));
    case '==':
      return loose(arg(0)) === loose(arg(1));
    case '!=':
      return loose(arg(0)) !== loose(arg(1));
    case '<':
    case '<=':
    case '>':
    case '>=': {
      // `{"<": [a, b, c]}` is the between form.
      const values = args.map((_, i) => arg(i));
      for (let i = 0; i + 1 < values.length; i++) {
        if (!compare(op, values[i], values[i + 1])) return false;
      }
      return true;
    }
    case 'in': {
      const needle = arg(0);
      const hay = arg(1);
      if (Array.isArray(hay)) return hay.some((h) => loose(h) === loose(needle));
      if (typeof hay === 'string') return hay.toLowerCase().includes(String(needle).toLowerCase());
      return false;
    }
    default:
      throw badRequest({ filter: `Unsupported JSON Logic operator: ${op}` });
  }
}

function truthy(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : Boolean(v);
}

function loose(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) && /^-?\d+(\.\d+)?$/.test(v))
    return Number(v);
  return v;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  const x = loose(a);
  const y = loose(b);
  const [l, r] = typeof x === typeof y ? [x, y] : [String(x), String(y)];
  switch (op) {
    case '<':
      return (l as number) < (r as number);
    case '<=':
      return (l as number) <= (r as number);
    case '>':
      return (l as number) > (r as number);
    default:
      return (l as number) >= (r as number);
  }
}
