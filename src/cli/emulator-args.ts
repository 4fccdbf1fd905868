import type { ArgReader } from './args';
import { defaultPasswordExposed } from '../emulator/exposure';
import type { EmulatorArgs } from './backend';

// The options of `cvat-rx emulator`, and the warning it prints when it is exposed.

/** `--user NAME:PASS`: both parts needed (the password is the admin's, given on purpose). */
function emulatorUser(args: ArgReader): EmulatorArgs['user'] {
  const raw = args.string('user');
  if (raw === undefined) return undefined;
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1)
    args.fail('--user: expected NAME:PASS, e.g. --user admin:s3cret');
  return { username: raw.slice(0, colon), password: raw.slice(colon + 1) };
}

function list(args: ArgReader, name: string): string[] | undefined {
  const raw = args.string(name);
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!items.length) args.fail(`--${name}: expected a comma-separated list`);
  return items;
}

export function readEmulatorArgs(args: ArgReader): EmulatorArgs {
  const host = args.string('host');
  if (host !== undefined && host.trim() === '') args.fail('--host: expected an address, e.g. 127.0.0.1');
  const shareDir = args.string('share-dir');
  if (shareDir !== undefined && shareDir.trim() === '') args.fail('--share-dir: expected a folder');
  const origins = list(args, 'allow-origin');
  for (const o of origins ?? []) {
    let ok = false;
    try {
      const url = new URL(o);
      ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === o.replace(/\/+$/, '');
    } catch {
      ok = false;
    }
    if (!ok) args.fail(`--allow-origin: "${o}" is not an origin like https://app.example.com`);
  }
  const user = emulatorUser(args);
  const delay = args.int('processing-delay-ms', { min: 0 });
  const hosts = list(args, 'allow-host');
  return {
    port: args.int('port', { min: 0 }),
    ...(host === undefined ? {} : { host }),
    ...(shareDir === undefined ? {} : { shareDir }),
    ...(user === undefined ? {} : { user }),
    ...(delay === undefined ? {} : { processingDelayMs: delay }),
    ...(origins === undefined ? {} : { allowedOrigins: origins }),
    ...(hosts === undefined ? {} : { allowedHosts: hosts }),
  };
}

/** The warning `cvat-rx emulator` prints when it listens beyond this machine with admin/admin. */
export function exposureWarning(args: EmulatorArgs): string | undefined {
  return defaultPasswordExposed(args.host ?? '127.0.0.1', args.user?.password ?? 'admin')
    ? `warning: the emulator listens on ${args.host ?? ''} with the default password admin/admin: anyone ` +
        'who can reach this port can log in and write files. Use --user NAME:PASS with a strong password.'
    : undefined;
}
