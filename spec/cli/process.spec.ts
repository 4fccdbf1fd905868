import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(__dirname, 'fixtures/hanging-cli.ts');

/** Runs the fixture CLI in a real Node process (through tsx), collecting its output. */
function spawnCli(args: string[]): {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', USER: 'u', PASS: 'pw-for-spawn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout?.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

describe('cvat-rx as a process', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('a real SIGINT during an upload aborts it (teardown runs) and exits 130', async () => {
    const cli = spawnCli(['task', 'create', 't', 'local', 'a.jpg']);
    children.push(cli.child);
    await new Promise<void>((resolve, reject) => {
      cli.child.stderr?.on('data', () => {
        if (cli.stderr().includes('upload 50%')) resolve();
      });
      cli.child.on('exit', () => reject(new Error(`exited early: ${cli.stderr()}`)));
    });
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(130);
    expect(cli.stderr()).toContain('teardown: upload aborted');
    expect(cli.stderr()).toContain('cvat-rx: interrupted');
  });

  it('an operation that can never finish is a failure, not a silent exit 0', async () => {
    const cli = spawnCli(['task', 'ls']);
    children.push(cli.child);
    expect(await cli.exit).toBe(1);
    expect(cli.stderr()).toContain('stopped without completing');
  });
});
