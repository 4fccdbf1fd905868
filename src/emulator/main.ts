import { startEmulator } from './server';

/** `npm run emulator -- --port 8080 [--host 0.0.0.0] [--share DIR] [--delay MS]` */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const emu = await startEmulator({
    port: Number(arg('port') ?? 8080),
    host: arg('host') ?? '127.0.0.1',
    shareDir: arg('share'),
    processingDelayMs: arg('delay') === undefined ? 200 : Number(arg('delay')),
  });
  console.log(`CVAT emulator listening on ${emu.url} (user admin, password admin)`);
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
