import type { OptionSpec } from './args';
import { COMMANDS } from './commands';
import type { CommandSpec } from './command-spec';
import { EMULATOR_OPTIONS, GLOBAL_OPTIONS } from './global-options';

function optionLines(options: readonly OptionSpec[]): string[] {
  const rows = options.map((o) => {
    const names = [
      ...(o.short ? [`-${o.short}`] : []),
      `--${o.name}`,
      ...(o.aliases ?? []).map((a) => `--${a}`),
    ].join(', ');
    return [o.kind === 'value' ? `${names} ${o.metavar ?? 'VALUE'}` : names, o.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length), 0) + 2;
  return rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`);
}

function usageOf(spec: CommandSpec): string {
  const positionals = spec.positionals
    .map((p) => (p.variadic ? `${p.name}...` : p.optional ? `[${p.name}]` : p.name))
    .join(' ');
  return `cvat-rx [global options] ${spec.resource} ${spec.action}${positionals ? ` ${positionals}` : ''}${
    spec.options.length ? ' [options]' : ''
  }`;
}

const ENVIRONMENT = [
  'Environment:',
  '  PASS               password for --auth USER without a password',
  '  CVAT_ACCESS_TOKEN  personal access token, used when --auth is not given',
];

const NOTES = [
  'Option names accept underscores or dashes (--image_quality, --image-quality).',
  'Exit codes: 0 ok, 1 other failure, 2 usage, 3 authentication, 4 server, 5 network/timeout, 130 interrupted.',
];

export function mainHelp(): string {
  const commands = COMMANDS.map((c) => `  ${`${c.resource} ${c.action}`.padEnd(28)}${c.summary}`);
  return [
    'Usage: cvat-rx [global options] <task|project|function> <action> [arguments] [options]',
    '       cvat-rx emulator [--port N] [--host ADDR] [--share-dir DIR] [--user NAME:PASS] ...',
    '',
    'A command line for CVAT, modelled on cvat-cli.',
    '',
    'Commands:',
    ...commands,
    `  ${'emulator'.padEnd(28)}run the embedded CVAT emulator in the foreground`,
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    ...ENVIRONMENT,
    '',
    ...NOTES,
    "Run 'cvat-rx <resource> <action> --help' for the options of one command.",
  ].join('\n');
}

export function resourceHelp(resource: string): string {
  const specs = COMMANDS.filter((c) => c.resource === resource);
  return [
    `Usage: cvat-rx [global options] ${resource} <action> ...`,
    '',
    'Actions:',
    ...specs.map((c) => `  ${c.action.padEnd(20)}${c.summary}`),
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  return [
    `Usage: ${usageOf(spec)}`,
    '',
    `${spec.summary[0]?.toUpperCase() ?? ''}${spec.summary.slice(1)}.`,
    '',
    ...(spec.positionals.length
      ? ['Arguments:', ...spec.positionals.map((p) => `  ${p.name.padEnd(16)}${p.help}`), '']
      : []),
    ...(spec.options.length ? ['Options:', ...optionLines(spec.options), ''] : []),
    "Global options: see 'cvat-rx --help'.",
  ].join('\n');
}

export function emulatorHelp(): string {
  return [
    'Usage: cvat-rx emulator [--port N] [--host ADDR] [--share-dir DIR] [--user NAME:PASS]',
    '                        [--processing-delay-ms MS] [--allow-origin ORIGINS] [--allow-host NAMES]',
    '',
    'Runs the embedded CVAT-compatible emulator in the foreground until Ctrl-C.',
    '',
    'Options:',
    ...optionLines(EMULATOR_OPTIONS),
  ].join('\n');
}
