import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { STOPPED_MESSAGE } from '../../src/auto-annotation/agent';
import { functionsOf } from '../../src/emulator/resources/functions';
import {
  BLOCKING_MODULE,
  boxesOf,
  eventually,
  makeTask,
  startFixture,
  type Fixture,
} from '../auto-annotation/support';
import { BIN, REPO, cleanEnv, hasBuiltCli, spawnProcess } from './integration-helpers';

// The built command line in its own process: a TypeScript function file (loaded through tsx),
// and an agent stopped by a real SIGINT.
if (!hasBuiltCli)
  console.warn('spec/cli/auto-annotation-process: dist/cli.js is missing; run `npm run build`');

(hasBuiltCli ? describe : describe.skip)('the cvat-rx process: auto-annotation', () => {
  let fx: Fixture;
  let dir: string;
  const args = (...rest: string[]): string[] => [
    BIN,
    '--server-host',
    fx.emulator.url,
    '--auth',
    'admin:admin',
    ...rest,
  ];

  beforeAll(async () => {
    fx = await startFixture();
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-aa-proc-'));
    writeFileSync(join(dir, 'blocking.cjs'), BLOCKING_MODULE);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fx.emulator.close();
  });

  it('task auto-annotate runs a TypeScript function file', async () => {
    const task = await makeTask(fx.client, 6, 3, 'proc');
    const example = resolve(REPO, 'examples/functions/colour-blobs.ts');
    const run = await spawnProcess(
      process.execPath,
      args('task', 'auto-annotate', String(task.id), '--function-file', example),
      {
        cwd: REPO,
        env: cleanEnv(),
      },
    ).done;
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const expected = Array.from({ length: 6 }, (_, n) => boxesOf(n)).flat().length;
    expect(run.stdout).toBe(`6 frames: ${expected} shapes and 0 tags uploaded to task ${task.id}\n`);
  });

  it('function run-agent is stopped by SIGINT with nothing left acquired', async () => {
    const module = join(dir, 'blocking.cjs');
    const created = await spawnProcess(
      process.execPath,
      args('function', 'create-native', 'blocking', '--function-file', module),
      {
        cwd: dir,
        env: cleanEnv(),
      },
    ).done;
    expect(created.code).toBe(0);
    const functionId = Number(created.stdout.trim());
    const task = await makeTask(fx.client, 3, 3, 'proc-block', 'block');
    await firstValueFrom(
      fx.client.lambda.runOnTask(`pk:${functionId}`, task.id, {
        observe: 'events',
        cancelOnUnsubscribe: false,
      }),
    );
    const requestId = (await lastValueFrom(fx.client.lambda.requests().pipe(toArray()))).at(-1)?.id ?? '';

    const agent = spawnProcess(
      process.execPath,
      args('function', 'run-agent', String(functionId), '--function-file', module),
      {
        cwd: dir,
        env: cleanEnv(),
      },
    );
    await agent.waitForStderr(`Request ${requestId}`);
    agent.child.kill('SIGINT');
    const run = await agent.done;
    expect(run.code).toBe(130);
    const ended = await firstValueFrom(fx.client.lambda.request(requestId));
    expect(ended).toMatchObject({ status: 'failed', exc_info: STOPPED_MESSAGE });
    const held = await eventually(
      async () =>
        [...functionsOf(fx.emulator.emulator).requests.values()].filter((r) => r.status === 'started'),
      (list) => list.length === 0,
    );
    expect(held).toEqual([]);
  });
});
