import { defaultPasswordExposed } from './exposure';
import { startEmulator } from './server';

/**
 * `npm run emulator -- --port 8080 [--host 0.0.0.0] [--share-dir DIR] [--processing-delay-ms MS]
 * [--user NAME:PASS]` (`--share` and `--delay` are the older spellings).
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const host = arg('host') ?? '127.0.0.1';
  const delay = arg('processing-delay-ms') ?? arg('delay');
  const [username = 'admin', ...rest] = (arg('user') ?? 'admin:admin').split(':');
  const password = rest.join(':') || 'admin';
  const emu = await startEmulator({
    port: Number(arg('port') ?? 8080),
    host,
    shareDir: arg('share-dir') ?? arg('share'),
    processingDelayMs: delay === undefined ? 200 : Number(delay),
    users: [{ username, password, is_superuser: true, email: `${username}@localhost` }],
  });
  if (defaultPasswordExposed(host, password))
    console.warn(
      `warning: listening on ${host} with the default password admin/admin; pass --user NAME:PASS`,
    );
  console.log(`CVAT emulator listening on ${emu.url} (user ${username})`);
  const stop = (): void => {
    void emu.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
