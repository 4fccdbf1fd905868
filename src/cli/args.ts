import { parseArgs } from 'node:util';
import { UsageError } from '../errors';

/**
 * Generic argument machinery: option specs, spelling normalisation (cvat-cli mixes
 * `--image_quality` and `--sorting-method`; we accept both spellings of every option) and typed
 * readers that turn bad values into `UsageError`s.
 */

export type OptionKind = 'flag' | 'value';

export interface OptionSpec {
  /** Canonical dash spelling without the leading `--`, e.g. `image-quality`. */
  readonly name: string;
  readonly kind: OptionKind;
  readonly aliases?: readonly string[];
  readonly short?: string;
  readonly metavar?: string;
  readonly help: string;
  /** May be given several times (`-p a=int:1 -p b=str:x`); read with `ArgReader.strings`. */
  readonly multiple?: boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  /** Takes every remaining positional (at least one). */
  readonly variadic?: boolean;
  /** May be left out (only last, after the required ones). */
  readonly optional?: boolean;
}

export type RawValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** Turns `--foo_bar=x` into `--foo-bar=x` and aliases into canonical names. */
export function normalizeArgv(argv: readonly string[], specs: readonly OptionSpec[]): string[] {
  const aliasTo = new Map<string, string>();
  for (const spec of specs) for (const alias of spec.aliases ?? []) aliasTo.set(alias, spec.name);
  const out: string[] = [];
  let terminated = false;
  for (const arg of argv) {
    if (terminated || !arg.startsWith('--') || arg === '--') {
      if (arg === '--') terminated = true;
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = (eq === -1 ? arg.slice(2) : arg.slice(2, eq)).replace(/_/g, '-');
    const name = aliasTo.get(rawName) ?? rawName;
    out.push(`--${name}${eq === -1 ? '' : arg.slice(eq)}`);
  }
  return out;
}

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function toParseArgsOptions(specs: readonly OptionSpec[]): ParseArgsOptions {
  const options: ParseArgsOptions = {};
  for (const spec of specs) {
    options[spec.name] = {
      type: spec.kind === 'flag' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  return options;
}

/** Lenient pass: only to find the positionals (resource, action) before the command is known. */
export function scanPositionals(argv: readonly string[], specs: readonly OptionSpec[]): string[] {
  const { positionals } = parseArgs({
    args: [...argv],
    options: toParseArgsOptions(specs),
    strict: false,
    allowPositionals: true,
  });
  return positionals;
}

/** Strict pass with the options of one command (plus the global ones). */
export function parseStrict(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  where: string,
): { values: RawValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: toParseArgsOptions(specs),
      strict: true,
      allowPositionals: true,
    });
    const plain: Record<string, string | boolean | readonly string[] | undefined> = {};
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'string' || typeof value === 'boolean') plain[key] = value;
      // Arrays come only from `multiple: true` options.
      else if (Array.isArray(value)) plain[key] = value.filter((v): v is string => typeof v === 'string');
    }
    return { values: plain, positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(where === '' ? firstSentence(message) : `${where}: ${firstSentence(message)}`);
  }
}

function firstSentence(message: string): string {
  // Node's messages suggest `--` for positionals starting with '-', which is noise here.
  const cut = message.search(/\. (To specify|Did you)/);
  return (cut === -1 ? message : message.slice(0, cut)).replace(/'/g, '');
}

/** Typed access to parsed values; every failure is a `UsageError` naming the option. */
export class ArgReader {
  constructor(
    private readonly values: RawValues,
    readonly positionals: readonly string[],
    private readonly where: string,
  ) {}

  fail(message: string): never {
    throw new UsageError(`${this.where}: ${message}`);
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Every value of a `multiple` option, in order. */
  strings(name: string): readonly string[] {
    const value = this.values[name];
    return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  }

  int(name: string, { min = 0 }: { min?: number } = {}): number | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : parseInteger(raw, `--${name}`, min, this.where);
  }

  seconds(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
      this.fail(`--${name}: expected a positive number of seconds, got "${raw}"`);
    }
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const found = choices.find((c) => c === raw);
    if (found === undefined)
      this.fail(`--${name}: invalid choice "${raw}" (choose from ${choices.join(', ')})`);
    return found;
  }

  /** cvat-cli's strtobool: yes/no, true/false, on/off, 1/0, y/n, t/f. */
  yesNo(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (['y', 'yes', 't', 'true', 'on', '1'].includes(lower)) return true;
    if (['n', 'no', 'f', 'false', 'off', '0'].includes(lower)) return false;
    return this.fail(`--${name}: expected yes or no, got "${raw}"`);
  }

  positionalInt(value: string, name: string, min = 0): number {
    return parseInteger(value, name, min, this.where);
  }
}

export function parseInteger(raw: string, name: string, min: number, where: string): number {
  if (!/^-?\d+$/.test(raw.trim()))
    throw new UsageError(`${where}: ${name}: expected an integer, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${where}: ${name}: expected an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

/** Assigns positionals to their specs, or fails with the missing/extra one named. */
export function bindPositionals(
  positionals: readonly string[],
  specs: readonly PositionalSpec[],
  where: string,
): Map<string, string[]> {
  const bound = new Map<string, string[]>();
  let index = 0;
  for (const spec of specs) {
    if (spec.variadic) {
      const rest = positionals.slice(index);
      if (rest.length === 0) throw new UsageError(`${where}: missing ${spec.name}`);
      bound.set(spec.name, rest);
      index = positionals.length;
    } else {
      const value = positionals[index];
      if (value === undefined && spec.optional) continue;
      if (value === undefined) throw new UsageError(`${where}: missing ${spec.name}`);
      bound.set(spec.name, [value]);
      index += 1;
    }
  }
  if (index < positionals.length) {
    throw new UsageError(`${where}: unexpected argument "${positionals[index]}"`);
  }
  return bound;
}
