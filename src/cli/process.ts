import type { CliBackendFactory } from './backend';
import { ExitCode } from './exit-codes';
import { runCli } from './main';

/**
 * The process boundary: real streams, real signals, and the exit code. Everything else is in
 * runCli. We exit explicitly (once stdout has drained) so that a keep-alive socket or a stray
 * timer below us cannot keep a finished command alive.
 */
export function runProcess(backendFactory: CliBackendFactory): void {
  let settled = false;
  // The event loop emptied while the command had not finished: nothing can finish it any more
  // (a backend bug). Without this Node would exit 0 and report success.
  const onBeforeExit = (): void => {
    if (settled) return;
    process.stderr.write('cvat-rx: error: the operation stopped without completing\n');
    process.exit(ExitCode.failure);
  };
  process.on('beforeExit', onBeforeExit);
  void runCli(process.argv.slice(2), {
    backendFactory,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  }).then((code) => {
    settled = true;
    process.removeListener('beforeExit', onBeforeExit);
    process.stdout.write('', () => process.exit(code));
  });
}
