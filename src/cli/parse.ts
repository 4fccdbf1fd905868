import { UsageError } from '../errors';
import {
  ArgReader,
  bindPositionals,
  normalizeArgv,
  parseStrict,
  scanPositionals,
  type OptionSpec,
} from './args';
import type { EmulatorArgs } from './backend';
import { readEmulatorArgs } from './emulator-args';
import { COMMANDS, findCommand } from './commands';
import type { CommandRun, CommandSpec } from './command-spec';
import { commandHelp, emulatorHelp, mainHelp, resourceHelp } from './help';
import { EMULATOR_OPTIONS, GLOBAL_OPTIONS } from './global-options';
import { expandLegacyCommand } from './legacy';
import { didYouMean } from './suggest';

export type { GlobalOptions } from './command-spec';
import type { GlobalOptions } from './command-spec';

export type ParsedCommandLine =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'emulator'; readonly globals: GlobalOptions; readonly emulator: EmulatorArgs }
  | {
      readonly kind: 'command';
      readonly globals: GlobalOptions;
      readonly spec: CommandSpec;
      readonly run: CommandRun;
    };

const ALL_OPTIONS: readonly OptionSpec[] = [
  ...GLOBAL_OPTIONS,
  ...EMULATOR_OPTIONS,
  ...COMMANDS.flatMap((c) => c.options),
];

const RESOURCES = [...new Set(COMMANDS.map((c) => c.resource)), 'emulator'];

function readGlobals(args: ArgReader): GlobalOptions {
  return {
    serverHost: args.string('server-host') ?? 'http://localhost',
    serverPort: args.int('server-port', { min: 1 }),
    auth: args.string('auth'),
    org: args.string('org'),
    insecure: args.flag('insecure'),
    debug: args.flag('debug'),
    profile: args.string('profile'),
    serverHostGiven: args.string('server-host') !== undefined,
  };
}

/** Parses the whole command line. Throws UsageError; performs no I/O except reading a --labels file. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const normalized = expandLegacyCommand(normalizeArgv(argv, ALL_OPTIONS), ALL_OPTIONS).argv;
  const [resource, action] = scanPositionals(normalized, ALL_OPTIONS);
  const wantsHelp = normalized.some((a) => a === '--help' || a === '-h');

  if (resource === undefined) {
    const { values } = parseStrict(normalized, GLOBAL_OPTIONS, '');
    if (values['version'] === true) return { kind: 'version' };
    if (wantsHelp) return { kind: 'help', text: mainHelp() };
    throw new UsageError(`missing command (choose from ${RESOURCES.join(', ')})`);
  }
  if (!RESOURCES.includes(resource)) {
    throw new UsageError(
      `unknown command "${resource}"${didYouMean(resource, RESOURCES)} (choose from ${RESOURCES.join(', ')})`,
    );
  }

  if (resource === 'emulator') {
    if (wantsHelp) return { kind: 'help', text: emulatorHelp() };
    const where = 'emulator';
    const { values, positionals } = parseStrict(normalized, [...GLOBAL_OPTIONS, ...EMULATOR_OPTIONS], where);
    const args = new ArgReader(values, positionals, where);
    if (values['version'] === true) return { kind: 'version' };
    bindPositionals(positionals.slice(1), [], where);
    return { kind: 'emulator', globals: readGlobals(args), emulator: readEmulatorArgs(args) };
  }

  const actions = COMMANDS.filter((c) => c.resource === resource).map((c) => c.action);
  if (action === undefined) {
    if (wantsHelp) return { kind: 'help', text: resourceHelp(resource) };
    throw new UsageError(`${resource}: missing action (choose from ${actions.join(', ')})`);
  }
  const spec = findCommand(resource, action);
  if (spec === undefined) {
    throw new UsageError(
      `${resource}: unknown action "${action}"${didYouMean(action, actions)} (choose from ${actions.join(', ')})`,
    );
  }
  if (wantsHelp) return { kind: 'help', text: commandHelp(spec) };

  const where = `${resource} ${action}`;
  const { values, positionals } = parseStrict(normalized, [...GLOBAL_OPTIONS, ...spec.options], where);
  if (values['version'] === true) return { kind: 'version' };
  const args = new ArgReader(values, positionals.slice(2), where);
  const bound = bindPositionals(positionals.slice(2), spec.positionals, where);
  const globals = readGlobals(args);
  const run = spec.prepare(args, (name) => bound.get(name) ?? []);
  return { kind: 'command', globals, spec, run };
}

export { serverUrl } from './server-url';

/**
 * The passwords in raw argv, found before parsing so they are scrubbed even from usage errors:
 * those of `--auth USER:PASS` and `--user NAME:PASS`, and the userinfo of
 * `--server-host http://USER:PASS@host`
 * (as typed and percent-decoded).
 */
export function passwordsInArgv(argv: readonly string[]): string[] {
  const found: string[] = [];
  const valueOf = (arg: string, i: number, name: string): string | undefined =>
    arg === name ? argv[i + 1] : arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : undefined;
  argv.forEach((arg, i) => {
    // `--auth USER:PASS` of commands and `--user NAME:PASS` of the emulator.
    for (const flag of ['--auth', '--user']) {
      const value = valueOf(arg, i, flag);
      if (value === undefined) continue;
      const colon = value.indexOf(':');
      if (colon !== -1 && colon < value.length - 1) found.push(value.slice(colon + 1));
    }
    const host = valueOf(arg, i, '--server-host');
    const userinfo =
      host === undefined ? undefined : /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)@/i.exec(host)?.[1];
    const colon = userinfo?.indexOf(':') ?? -1;
    if (userinfo !== undefined && colon !== -1 && colon < userinfo.length - 1) {
      const password = userinfo.slice(colon + 1);
      found.push(password);
      try {
        found.push(decodeURIComponent(password));
      } catch {
        // Not percent-encoded: the raw form is enough.
      }
    }
  });
  return found;
}
