import type { OptionSpec } from './args';

/**
 * cvat-cli's command names from before `task`/`project` (still accepted by cvat-cli 2.x, with a
 * deprecation warning), and the commands they are now.
 */
export const LEGACY_COMMANDS: Readonly<Record<string, readonly [string, string]>> = {
  ls: ['task', 'ls'],
  create: ['task', 'create'],
  delete: ['task', 'delete'],
  frames: ['task', 'frames'],
  dump: ['task', 'export-dataset'],
  upload: ['task', 'import-dataset'],
  export: ['task', 'backup'],
  import: ['task', 'create-from-backup'],
  'auto-annotate': ['task', 'auto-annotate'],
};

/**
 * The command line with a legacy command name (the first positional) replaced by the resource
 * and action it stands for; unchanged when there is none. `argv` is normalized (`--long-name`).
 */
export function expandLegacyCommand(
  argv: readonly string[],
  specs: readonly OptionSpec[],
): { readonly argv: readonly string[]; readonly legacy?: string } {
  const takesValue = new Set(specs.filter((s) => s.kind === 'value').map((s) => s.name));
  const shortValues = new Set(specs.filter((s) => s.kind === 'value' && s.short).map((s) => s.short));
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') return { argv };
    if (arg.startsWith('--')) {
      if (!arg.includes('=') && takesValue.has(arg.slice(2))) i += 1;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      if (arg.length === 2 && shortValues.has(arg.slice(1))) i += 1;
      continue;
    }
    const target = LEGACY_COMMANDS[arg];
    if (!target) return { argv };
    return { argv: [...argv.slice(0, i), ...target, ...argv.slice(i + 1)], legacy: arg };
  }
  return { argv };
}
