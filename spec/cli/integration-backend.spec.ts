/**
 * The real CliBackend (src/cli/client-backend.ts) in this process, driven through runCli against
 * the emulator: connection options (host without scheme, --org, --insecure), the mapping of task
 * options to CVAT's fields, and input checks.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, switchMap } from 'rxjs';
import { encodePng, gradient } from '../../examples/demo/images';
import { makeCliClient } from '../../src/cli/backend-session';
import { clientBackendFactory } from '../../src/cli/client-backend';
import { runCli } from '../../src/cli/main';
import { makeClient } from '../../src/client';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { fakeSignals, MemoryStream, run } from './helpers';

describe('the client backend (in-process) against the emulator', () => {
  let emu: RunningEmulator;
  let work: string;
  let port: string;
  const env = { USER: 'admin', PASS: 'admin' };
  const cli = (argv: readonly string[]) =>
    run(['--server-host', 'http://127.0.0.1', '--server-port', port, ...argv], {
      factory: clientBackendFactory,
      env,
    });
  const image = (name: string): string => {
    const path = join(work, name);
    writeFileSync(path, encodePng(16, 12, gradient(16, 12, [10, 20, 30], [200, 100, 0])));
    return path;
  };

  beforeAll(async () => {
    emu = await startEmulator({ processingDelayMs: 1, onError: () => undefined });
    port = new URL(emu.url).port;
    work = mkdtempSync(join(tmpdir(), 'cvat-rx-backend-'));
  });
  afterAll(async () => {
    await emu.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('connects to a host given without a scheme (https is tried, then http)', async () => {
    const result = await run(
      ['--server-host', '127.0.0.1', '--server-port', port, 'project', 'create', 'noscheme'],
      {
        factory: clientBackendFactory,
        env,
      },
    );
    expect({ code: result.code, err: result.stderr.text }).toEqual({ code: 0, err: '' });
    const id = Number(result.stdout.lines.at(-1));
    expect(emu.emulator.state.projects.get(id)?.name).toBe('noscheme');
  });

  it('--org works in an organization; --org "" is the personal workspace; no --org sees everything', async () => {
    const client = makeClient({ host: emu.url });
    await lastValueFrom(
      client
        .login({ username: 'admin', password: 'admin' })
        .pipe(switchMap((admin) => admin.organizations.create({ slug: 'acme', name: 'Acme' }))),
    );
    const created = await cli(['--org', 'acme', 'project', 'create', 'in acme']);
    expect(created.code).toBe(0);
    const id = Number(created.stdout.lines.at(-1));
    const org = [...emu.emulator.state.orgs.values()].find((o) => o.slug === 'acme');
    expect(emu.emulator.state.projects.get(id)?.org_id).toBe(org?.id);

    expect((await cli(['--org', 'acme', 'project', 'ls'])).stdout.lines).toEqual([String(id)]);
    expect((await cli(['--org', '', 'project', 'ls'])).stdout.lines).not.toContain(String(id));
    expect((await cli(['project', 'ls'])).stdout.lines).toContain(String(id));
  });

  it('task create sends cvat-cli options as CVAT fields (frame_step → frame_filter, …)', async () => {
    const files = ['a.png', 'b.png', 'c.png', 'd.png'].map(image);
    const result = await cli([
      'task',
      'create',
      'mapped',
      'local',
      ...files,
      '--labels',
      '[{"name":"cat","color":"#ff0000"}]',
      '--frame_step',
      '2',
      '--chunk_size',
      '5',
      '--image_quality',
      '55',
      '--sorting-method',
      'natural',
      '--segment_size',
      '2',
      '--bug_tracker',
      'https://bugs.example.com/1',
    ]);
    expect({ code: result.code, err: result.code === 0 ? '' : result.stderr.text }).toEqual({
      code: 0,
      err: '',
    });
    const task = emu.emulator.state.tasks.get(Number(result.stdout.lines.at(-1)));
    expect(task).toMatchObject({
      name: 'mapped',
      segment_size: 2,
      bug_tracker: 'https://bugs.example.com/1',
    });
    expect(task?.data).toMatchObject({
      frame_filter: 'step=2',
      chunk_size: 5,
      image_quality: 55,
      sorting_method: 'natural',
    });
    const labels = [...emu.emulator.state.labels.values()].filter((l) => l.task_id === task?.id);
    expect(labels.map((l) => [l.name, l.color])).toEqual([['cat', '#ff0000']]);
  });

  it('bad input is a usage error (exit 2) and nothing is created', async () => {
    const before = emu.emulator.state.tasks.size;
    const both = await cli([
      'task',
      'create',
      't',
      'local',
      image('x.png'),
      '--labels',
      '[{"name":"a"}]',
      '--project_id',
      '1',
    ]);
    expect(both.code).toBe(2);
    const badLabel = await cli([
      'task',
      'create',
      't',
      'local',
      image('y.png'),
      '--labels',
      '[{"name":"a","color":5}]',
    ]);
    expect(badLabel.code).toBe(2);
    expect(badLabel.stderr.text).toMatch(/labels.*color/);
    const missing = await cli(['task', 'create', 't', 'local', join(work, 'missing.png')]);
    expect(missing.code).toBe(2);
    expect(emu.emulator.state.tasks.size).toBe(before);
  });

  it('task frames creates a missing output folder with its parents, as cvat-sdk does', async () => {
    const created = await cli(['task', 'create', 'frames-src', 'local', image('frame-src.png')]);
    const id = created.stdout.lines.at(-1) ?? '';
    const outdir = join(work, 'no-such-dir', 'nested');
    const result = await cli(['task', 'frames', id, '0', '--outdir', outdir]);
    expect(result.code).toBe(0);
    expect(readdirSync(outdir)).toHaveLength(1);
  });

  it('--insecure turns TLS verification off; --org "" is kept as the personal workspace', () => {
    const client = makeCliClient({
      host: 'https://cvat.example.com',
      credentials: { kind: 'token', token: 't' },
      organization: '',
      verifySsl: false,
    });
    expect(client.transport.configuration.verifySsl).toBe(false);
    expect(client.organization).toBe('');
    expect(client.hasCredentials()).toBe(true);
  });

  it('emulator: serves until the signal, then closes its port', async () => {
    const stdout = new MemoryStream();
    const stderr = new MemoryStream();
    const signals = fakeSignals();
    const done = runCli(['emulator'], {
      backendFactory: clientBackendFactory,
      stdout,
      stderr,
      env,
      signals: signals.source,
    });
    while (stdout.lines.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const url = stdout.lines[0] ?? '';
    const about = await lastValueFrom(makeClient({ host: url }).about());
    expect(about.name).toBeTruthy();
    signals.fire('SIGINT');
    expect(await done).toBe(0);
    await expect(
      lastValueFrom(
        makeClient({
          host: url,
          config: { transport: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } } },
        }).about(),
      ),
    ).rejects.toMatchObject({ kind: 'network' });
  });
});
