import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors';
import { BadFunctionError } from '../auto-annotation/function';
import type { DetectionFunction } from '../auto-annotation/function';

/**
 * Loads a detection function from a JS or TS file (`--function-file`) or a module name
 * (`--function-module`, resolved from the current directory as Node resolves packages). The module
 * exports `spec` and `detect`, or `create(params)` returning them; `-p` parameters need `create`.
 * TypeScript files load through `tsx` when Node cannot load them itself.
 */

export type FunctionParameter = string | number | boolean;

const TRUE = ['y', 'yes', 't', 'true', 'on', '1'];
const FALSE = ['n', 'no', 'f', 'false', 'off', '0'];

/**
 * One `-p NAME=TYPE:VALUE` as cvat-cli parses it: TYPE is `int`, `float`, `str` or `bool`
 * (`bool` takes yes/no, true/false, on/off, 1/0, y/n, t/f).
 */
export function parseFunctionParameter(text: string): [string, FunctionParameter] {
  const eq = text.indexOf('=');
  if (eq === -1) throw new UsageError(`-p ${text}: parameter value not specified`);
  const name = text.slice(0, eq);
  const typeAndValue = text.slice(eq + 1);
  const colon = typeAndValue.indexOf(':');
  if (colon === -1) throw new UsageError(`-p ${text}: parameter type not specified`);
  const type = typeAndValue.slice(0, colon);
  const raw = typeAndValue.slice(colon + 1);
  const bad = (what: string): never => {
    throw new UsageError(`-p ${text}: invalid ${what} value "${raw}"`);
  };
  switch (type) {
    case 'int': {
      const trimmed = raw.trim().replace(/_/g, '');
      if (!/^[+-]?\d+$/.test(trimmed)) return bad('int');
      const value = Number(trimmed);
      return Number.isSafeInteger(value) ? [name, value] : bad('int');
    }
    case 'float': {
      const trimmed = raw.trim().toLowerCase();
      const special: Record<string, number> = {
        inf: Infinity,
        '+inf': Infinity,
        '-inf': -Infinity,
        nan: NaN,
      };
      if (trimmed in special) return [name, special[trimmed] ?? NaN];
      if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(trimmed)) return bad('float');
      return [name, Number(trimmed)];
    }
    case 'str':
      return [name, raw];
    case 'bool': {
      const lower = raw.toLowerCase();
      if (TRUE.includes(lower)) return [name, true];
      if (FALSE.includes(lower)) return [name, false];
      return bad('bool');
    }
    default:
      throw new UsageError(`-p ${text}: unsupported parameter type "${type}"`);
  }
}

/** `-p` values, later ones replacing earlier ones of the same name (as cvat-cli's dict does). */
export function parseFunctionParameters(texts: readonly string[]): Record<string, FunctionParameter> {
  return Object.fromEntries(texts.map(parseFunctionParameter));
}

export type FunctionSource = { readonly file: string } | { readonly module: string };

type Loaded = Record<string, unknown>;

function isRecord(value: unknown): value is Loaded {
  return typeof value === 'object' && value !== null;
}

function isDetectionFunction(value: unknown): value is DetectionFunction {
  return isRecord(value) && isRecord(value['spec']) && typeof value['detect'] === 'function';
}

/** Where a source points: an existing file path. */
export function resolveFunctionSource(source: FunctionSource, cwd = process.cwd()): string {
  if ('file' in source) {
    const path = resolve(cwd, source.file);
    if (!existsSync(path)) throw new UsageError(`--function-file: "${source.file}" does not exist`);
    return path;
  }
  try {
    return createRequire(resolve(cwd, 'package.json')).resolve(source.module, { paths: [cwd] });
  } catch {
    throw new UsageError(`--function-module: cannot find module "${source.module}" from ${cwd}`);
  }
}

function errorCode(error: unknown): unknown {
  return isRecord(error) ? error['code'] : undefined;
}

async function importFile(path: string): Promise<unknown> {
  try {
    return await import(path);
  } catch (error) {
    const typescript = ['.ts', '.mts', '.cts', '.tsx'].includes(extname(path));
    if (!typescript || errorCode(error) !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  // tsx is looked up at run time (not bundled), from the user's project first.
  const tsxApi = 'tsx/esm/api';
  let api: unknown;
  try {
    api = await import(tsxApi);
  } catch (cause) {
    throw new UsageError(`Loading the TypeScript file "${path}" needs the tsx package: npm install tsx`, {
      cause,
    });
  }
  const tsImport = isRecord(api) ? api['tsImport'] : undefined;
  if (typeof tsImport !== 'function')
    throw new UsageError('The installed tsx has no tsImport (tsx >= 4 needed)');
  return tsImport(pathToFileURL(path).href, pathToFileURL(`${process.cwd()}/`).href) as Promise<unknown>;
}

/** Loads a function module and builds its function (`create(params)` when it has one). */
export async function loadFunction(
  source: FunctionSource,
  params: Readonly<Record<string, FunctionParameter>> = {},
): Promise<DetectionFunction> {
  const path = resolveFunctionSource(source);
  const loaded = await importFile(path);
  if (!isRecord(loaded)) throw new BadFunctionError(`"${path}" exports nothing`);
  // CommonJS modules loaded from ESM put their exports under `default`.
  const exports =
    !('spec' in loaded) && !('create' in loaded) && isRecord(loaded['default']) ? loaded['default'] : loaded;
  const create = exports['create'];
  if (typeof create === 'function') {
    const made: unknown = await (create as (p: typeof params) => unknown)(params);
    if (!isDetectionFunction(made))
      throw new BadFunctionError(`create() of "${path}" did not return { spec, detect }`);
    return made;
  }
  if (Object.keys(params).length > 0)
    throw new UsageError(`"${path}" takes no parameters (it exports no create(params)) but -p was given`);
  if (!isDetectionFunction(exports))
    throw new BadFunctionError(`"${path}" exports neither spec and detect nor create`);
  return { spec: exports.spec, detect: exports.detect.bind(exports) };
}
