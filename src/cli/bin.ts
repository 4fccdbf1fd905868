import { clientBackendFactory } from './client-backend';
import { runCli } from './main';

// The process boundary: real streams, real signals, and the exit code. Everything else is in runCli.
void runCli(process.argv.slice(2), {
  backendFactory: clientBackendFactory,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then((code) => {
  // Exit explicitly (after stdout drains) so a keep-alive socket or a stray timer cannot hold us.
  process.stdout.write('', () => process.exit(code));
});
