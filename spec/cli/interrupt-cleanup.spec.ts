import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { png } from '../emulator/helpers';
import { BUILT_CLI, hasBuiltCli, spawnCli } from './integration-helpers';

// #16 item 8: Ctrl-C during `task create` left an empty task on the server, silently.
if (!hasBuiltCli)
  console.warn(
    `spec/cli/interrupt-cleanup.spec.ts skipped: ${BUILT_CLI} is missing (run \`npm run build\` first)`,
  );

(hasBuiltCli ? describe : describe.skip)('Ctrl-C during task create (the built CLI)', () => {
  let emu: RunningEmulator;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cvat-rx-cli-interrupt-'));
    writeFileSync(join(work, 'a.png'), png(8, 8));
    // The server keeps processing long enough for the interrupt to land while it does.
    emu = await startEmulator({ processingDelayMs: 60_000 });
  });

  afterAll(async () => {
    await emu.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('removes the task it created, says so, then exits 130', async () => {
    const spawned = spawnCli(
      [
        '--server-host',
        emu.url,
        '--auth',
        'admin:admin',
        'task',
        'create',
        'cut',
        'local',
        'a.png',
        '--labels',
        '[{"name":"car"}]',
      ],
      { cwd: work },
    );
    await spawned.waitForStderr('processing');
    expect(emu.emulator.state.tasks.size).toBe(1);
    const [id] = [...emu.emulator.state.tasks.keys()];
    spawned.child.kill('SIGINT');
    const run = await spawned.done;
    expect(run.code).toBe(130);
    const tail = run.stderr.trim().split('\n').slice(-3);
    expect(tail).toEqual([
      `cvat-rx: removing task ${id}, created before the interrupt`,
      `cvat-rx: removed task ${id}`,
      'cvat-rx: interrupted',
    ]);
    expect(emu.emulator.state.tasks.size).toBe(0);
    expect(run.stdout).toBe('');
  });
});
