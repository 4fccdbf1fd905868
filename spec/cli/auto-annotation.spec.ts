import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { CvatClient, Task } from '../../src';
import { STOPPED_MESSAGE } from '../../src/auto-annotation/agent';
import { clientBackendFactory } from '../../src/cli/client-backend';
import { runCli, type CliSignal } from '../../src/cli/main';
import { functionsOf } from '../../src/emulator/resources/functions';
import {
  BLOCKING_MODULE,
  boxesOf,
  eventually,
  makeTask,
  startFixture,
  type Fixture,
} from '../auto-annotation/support';

const EXAMPLE = resolve(__dirname, '../../examples/functions/colour-blobs.ts');

interface CliRun {
  readonly done: Promise<number>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Sends a signal as the terminal would. */
  readonly signal: (signal: CliSignal) => void;
}

function cli(fx: Fixture, args: readonly string[]): CliRun {
  let out = '';
  let err = '';
  let handler: ((signal: CliSignal) => void) | undefined;
  const done = runCli(['--server-host', fx.emulator.url, '--auth', 'admin:admin', ...args], {
    backendFactory: clientBackendFactory,
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    env: {},
    signals: (h) => {
      handler = h;
      return () => (handler = undefined);
    },
  });
  return { done, stdout: () => out, stderr: () => err, signal: (s) => handler?.(s) };
}

describe('cvat-rx task auto-annotate / function', () => {
  let fx: Fixture;
  let client: CvatClient;
  let task: Task;
  let dir: string;

  beforeAll(async () => {
    fx = await startFixture();
    client = fx.client;
    task = await makeTask(client, 12, 5, 'cli');
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-aa-'));
    writeFileSync(join(dir, 'blocking.cjs'), BLOCKING_MODULE);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await fx.emulator.close();
  });

  it('task auto-annotate uploads the shapes of a TS function file with -p parameters', async () => {
    const run = cli(fx, [
      'task',
      'auto-annotate',
      String(task.id),
      '--function-file',
      EXAMPLE,
      '-p',
      'size_attribute=bool:yes',
      '-p',
      'min_area=int:4',
      '--concurrency',
      '3',
      '--clear-existing',
    ]);
    const code = await run.done;
    expect(run.stderr()).not.toMatch(/error/);
    expect(code).toBe(0);
    const expected = Array.from({ length: 12 }, (_, n) => boxesOf(n)).flat();
    expect(run.stdout()).toBe(
      `12 frames: ${expected.length} shapes and 0 tags uploaded to task ${task.id}\n`,
    );
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toHaveLength(expected.length);
    const labels = await lastValueFrom(task.labels().pipe(toArray()));
    const size = new Set(labels.map((l) => l.attributes?.find((a) => a.name === 'size')?.id));
    expect(
      (saved.shapes ?? []).every((s) => s.attributes?.length === 1 && size.has(s.attributes[0]?.spec_id)),
    ).toBe(true);
  });

  it('rejects bad arguments before connecting', async () => {
    const bad = async (args: string[], message: RegExp): Promise<void> => {
      const run = cli(fx, args);
      expect(await run.done).toBe(2);
      expect(run.stderr()).toMatch(message);
    };
    await bad(
      ['task', 'auto-annotate', '1', '--function-file', EXAMPLE, '-p', 'x=int'],
      /parameter type not specified/,
    );
    await bad(
      ['task', 'auto-annotate', '1', '--function-file', EXAMPLE, '-p', 'x=list:1'],
      /unsupported parameter type "list"/,
    );
    await bad(
      ['task', 'auto-annotate', '1', '--function-file', EXAMPLE, '-p', 'x=bool:maybe'],
      /invalid bool value/,
    );
    await bad(['task', 'auto-annotate', '1'], /exactly one of --function-module and --function-file/);
    await bad(['task', 'auto-annotate', '1', '--function-file', join(dir, 'missing.js')], /does not exist/);
    await bad(
      ['task', 'auto-annotate', '1', '--function-file', EXAMPLE, '--conf-threshold', '2'],
      /between 0 and 1/,
    );
    await bad(
      ['task', 'auto-annotate', '1', '--function-file', join(dir, 'blocking.cjs'), '-p', 'a=int:1'],
      /takes no parameters/,
    );
  });

  it('function run-agent serves a request made as CVAT UI makes it, and Ctrl-C stops it with nothing acquired', async () => {
    const module = join(dir, 'blocking.cjs');
    const created = cli(fx, ['function', 'create-native', 'blocking', '--function-file', module]);
    expect(await created.done).toBe(0);
    const functionId = Number(created.stdout().trim());
    expect(functionId).toBeGreaterThan(0);

    const blockTask = await makeTask(client, 3, 3, 'cli-block', 'block');
    const ask = async (taskId: number): Promise<string> => {
      const first = await firstValueFrom(
        client.lambda.runOnTask(`pk:${functionId}`, taskId, {
          observe: 'events',
          cancelOnUnsubscribe: false,
        }),
      );
      expect(first).toMatchObject({ type: 'progress', message: 'queued' });
      const queued = await lastValueFrom(client.lambda.requests().pipe(toArray()));
      return queued.at(-1)?.id ?? '';
    };
    const served = await ask(task.id);
    const blocked = await ask(blockTask.id);

    const agent = cli(fx, ['function', 'run-agent', String(functionId), '--function-file', module]);
    const status = (id: string) => () => firstValueFrom(client.lambda.request(id)).then((r) => r.status);
    expect(await eventually(status(served), (s) => s === 'finished')).toBe('finished');
    expect(await eventually(status(blocked), (s) => s === 'started')).toBe('started');
    agent.signal('SIGINT');
    expect(await agent.done).toBe(130);
    expect(agent.stderr()).toMatch(/completed: 12 shapes/);
    expect(agent.stderr()).toMatch(/cvat-rx: stopping/);

    const ended = await firstValueFrom(client.lambda.request(blocked));
    expect(ended).toMatchObject({ status: 'failed', exc_info: STOPPED_MESSAGE });
    const held = [...functionsOf(fx.emulator.emulator).requests.values()].filter(
      (r) => r.status === 'started',
    );
    expect(held).toEqual([]);
    const saved = await firstValueFrom(task.getAnnotations());
    expect((saved.shapes ?? []).filter((s) => s.points?.join() === '0,0,4,4')).toHaveLength(12);

    const removed = cli(fx, ['function', 'delete', String(functionId), '999']);
    expect(await removed.done).toBe(0);
    expect(removed.stdout()).toBe(`${functionId}\n`);
    expect(removed.stderr()).toMatch(/Function 999 not found, skipped/);
  });
});
