/**
 * Every cvat-rx command in a spawned process (bin/cvat-rx.js → dist/cli.js, as built by
 * `npm run build`) against the emulator started in this process.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBmp, encodePng, gradient } from '../../examples/demo/images';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { BUILT_CLI, cleanEnv, hasBuiltCli, lines, runCliProcess, spawnCli } from './integration-helpers';

const PNG_SIGNATURE = '89504e470d0a1a0a';
const isZip = (path: string): boolean => readFileSync(path).subarray(0, 2).toString('latin1') === 'PK';

if (!hasBuiltCli) {
  console.warn(`spec/cli/integration.spec.ts skipped: ${BUILT_CLI} is missing (run \`npm run build\` first)`);
}
const describeBuilt = hasBuiltCli ? describe : describe.skip;

describeBuilt('cvat-rx against the emulator (spawned processes)', () => {
  let emu: RunningEmulator;
  let work: string;
  let global: string[];

  const cli = (args: readonly string[], env?: NodeJS.ProcessEnv, cwd = work) =>
    runCliProcess([...global, ...args], { cwd, ...(env ? { env } : {}) });
  /** A command that must succeed; its stdout lines. */
  const ok = async (args: readonly string[]): Promise<string[]> => {
    const run = await cli(args);
    if (run.code !== 0) throw new Error(`cvat-rx ${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
    return lines(run.stdout);
  };
  const lastId = (out: readonly string[]): number => Number(out.at(-1));

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cvat-rx-cli-'));
    for (let i = 0; i < 3; i += 1) {
      writeFileSync(
        join(work, `img${i}.png`),
        encodePng(32, 24, gradient(32, 24, [200, 40 * i, 0], [0, 0, 255])),
      );
    }
    writeFileSync(join(work, 'big.bmp'), encodeBmp(400, 300, gradient(400, 300, [0, 0, 0], [255, 255, 0])));
    mkdirSync(join(work, 'out'));
    mkdirSync(join(work, 'frames'));
    // The working directory doubles as the server's share, for `task create NAME share ...`.
    emu = await startEmulator({ processingDelayMs: 5, shareDir: work, onError: () => undefined });
    const url = new URL(emu.url);
    global = [
      '--server-host',
      `${url.protocol}//${url.hostname}`,
      '--server-port',
      url.port,
      '--auth',
      'admin:admin',
    ];
  });

  afterAll(async () => {
    await emu?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let projectId = 0;
  let taskId = 0;

  it('project create prints the new id; ls lists it; ls --json prints the objects', async () => {
    const out = await ok([
      'project',
      'create',
      'cli project',
      '--labels',
      '[{"name":"car"},{"name":"person"}]',
    ]);
    projectId = lastId(out);
    expect(projectId).toBeGreaterThan(0);
    expect(await ok(['project', 'ls'])).toContain(String(projectId));
    const json: unknown = JSON.parse((await cli(['project', 'ls', '--json'])).stdout);
    expect(json).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: projectId, name: 'cli project' })]),
    );
    const labels = [...emu.emulator.state.labels.values()].filter((l) => l.project_id === projectId);
    expect(labels.map((l) => l.name).sort()).toEqual(['car', 'person']);
  });

  it('task create uploads local files, waits for processing, prints the id last, with plain progress lines on stderr', async () => {
    const run = await cli([
      'task',
      'create',
      'cli task',
      'local',
      'img0.png',
      'img1.png',
      'img2.png',
      'big.bmp',
      '--project_id',
      String(projectId),
      '--image_quality',
      '80',
    ]);
    expect(run.code).toBe(0);
    taskId = lastId(lines(run.stdout));
    expect(taskId).toBeGreaterThan(0);
    const progress = lines(run.stderr);
    // Not a terminal: plain lines, no cursor movement, a complete upload and processing.
    expect(run.stderr).not.toContain(`${String.fromCharCode(27)}[`);
    expect(progress[0]).toMatch(/^upload 0% 0 B\//);
    // The last upload line reports every byte: loaded === total.
    expect(progress.some((l) => /^upload 100% (.+)\/\1$/.test(l))).toBe(true);
    expect(progress.some((l) => /^processing 100%/.test(l))).toBe(true);
    const task = emu.emulator.state.tasks.get(taskId);
    expect(task?.project_id).toBe(projectId);
    expect(task?.data?.frames.map((f) => f.name)).toEqual(['big.bmp', 'img0.png', 'img1.png', 'img2.png']);
    expect(task?.data?.image_quality).toBe(80);
    expect(await ok(['task', 'ls'])).toContain(String(taskId));
  });

  it('task frames writes task_<id>_frame_<NNNNNN><ext> files and prints their paths', async () => {
    const out = await ok(['task', 'frames', String(taskId), '0', '1', '--outdir', 'frames']);
    const names = [`task_${taskId}_frame_000000.bmp`, `task_${taskId}_frame_000001.png`];
    expect(out).toEqual(names.map((n) => join(work, 'frames', n)));
    expect(readdirSync(join(work, 'frames')).sort()).toEqual(names);
    expect(
      readFileSync(join(work, 'frames', names[0] ?? ''))
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('BM');
    expect(
      readFileSync(join(work, 'frames', names[1] ?? ''))
        .subarray(0, 8)
        .toString('hex'),
    ).toBe(PNG_SIGNATURE);
  });

  it('task export-dataset writes the dataset file; task import-dataset imports it back', async () => {
    const out = await ok([
      'task',
      'export-dataset',
      String(taskId),
      'out/task-coco.zip',
      '--format',
      'COCO 1.0',
    ]);
    expect(out).toEqual([join(work, 'out/task-coco.zip')]);
    expect(isZip(join(work, 'out/task-coco.zip'))).toBe(true);

    const run = await cli([
      'task',
      'import-dataset',
      String(taskId),
      'out/task-coco.zip',
      '--format',
      'COCO 1.0',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Imported out/task-coco.zip into task ${taskId}`);
    expect(run.stderr).toMatch(/^upload 100%/m);
  });

  it('task backup writes a zip; task create-from-backup restores it as a new task', async () => {
    expect(await ok(['task', 'backup', String(taskId), 'out/task-backup.zip'])).toEqual([
      join(work, 'out/task-backup.zip'),
    ]);
    expect(isZip(join(work, 'out/task-backup.zip'))).toBe(true);
    const restored = lastId(await ok(['task', 'create-from-backup', 'out/task-backup.zip']));
    expect(restored).not.toBe(taskId);
    expect(emu.emulator.state.tasks.get(restored)?.data?.frames).toHaveLength(4);
    expect(await ok(['task', 'ls'])).toEqual(expect.arrayContaining([String(taskId), String(restored)]));
  });

  it('project export-dataset, backup and create-from-backup', async () => {
    const pid = String(projectId);
    await ok(['project', 'export-dataset', pid, 'out/project.zip', '--with-images', 'yes']);
    expect(isZip(join(work, 'out/project.zip'))).toBe(true);
    await ok(['project', 'backup', pid, 'out/project-backup.zip']);
    expect(isZip(join(work, 'out/project-backup.zip'))).toBe(true);
    const restored = lastId(await ok(['project', 'create-from-backup', 'out/project-backup.zip']));
    expect(restored).not.toBe(projectId);
    expect(emu.emulator.state.projects.get(restored)?.name).toBe('cli project');
  });

  it('project import-dataset uploads a dataset into a project', async () => {
    const target = lastId(await ok(['project', 'create', 'import target', '--labels', '[{"name":"car"}]']));
    const run = await cli([
      'project',
      'import-dataset',
      String(target),
      'out/project.zip',
      '--format',
      'CVAT 1.1',
    ]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('Imported'),
    });
  });

  it('task create from the share, with annotations imported after the data (--annotation_path)', async () => {
    const coco = {
      categories: [{ id: 1, name: 'car' }],
      images: [{ id: 1, file_name: 'img1.png', width: 32, height: 24 }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [2, 2, 10, 8], iscrowd: 0, segmentation: [] },
      ],
    };
    writeFileSync(join(work, 'ann.json'), JSON.stringify(coco));
    const out = await ok([
      'task',
      'create',
      'shared',
      'share',
      'img1.png',
      'img2.png',
      '--labels',
      '[{"name":"car"}]',
      '--annotation_path',
      'ann.json',
      '--annotation_format',
      'COCO 1.0',
      '--completion_verification_period',
      '0.05',
    ]);
    const id = lastId(out);
    expect(emu.emulator.state.tasks.get(id)?.data?.frames.map((f) => f.name)).toEqual([
      'img1.png',
      'img2.png',
    ]);
    const shapes = emu.emulator.state.annotationsOf(id).shapes;
    expect(shapes).toEqual([
      expect.objectContaining({ type: 'rectangle', frame: 0, points: [2, 2, 12, 10] }),
    ]);
  });

  it('task create removes the half-made task when a later step fails, and says why (exit 4)', async () => {
    writeFileSync(
      join(work, 'bad.json'),
      JSON.stringify({
        categories: [{ id: 1, name: 'no such label' }],
        images: [{ id: 1, file_name: 'img0.png' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }],
      }),
    );
    const before = new Set(emu.emulator.state.tasks.keys());
    const run = await cli([
      'task',
      'create',
      'doomed',
      'local',
      'img0.png',
      '--labels',
      '[{"name":"car"}]',
      '--annotation_path',
      'bad.json',
      '--annotation_format',
      'COCO 1.0',
    ]);
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr).at(-1)).toMatch(/^cvat-rx: error: .*no such label/);
    expect(new Set(emu.emulator.state.tasks.keys())).toEqual(before);
  });

  it('project create --dataset_path imports a dataset into the new project', async () => {
    const run = await cli([
      'project',
      'create',
      'from dataset',
      '--labels',
      '[{"name":"car"},{"name":"person"}]',
      '--dataset_path',
      'out/project.zip',
      '--dataset_format',
      'CVAT 1.1',
    ]);
    expect(run.code).toBe(0);
    const id = lastId(lines(run.stdout));
    expect(emu.emulator.state.projects.get(id)?.name).toBe('from dataset');
    expect(run.stderr).toMatch(/^upload 100%/m);
  });

  it('task delete prints the deleted ids and skips missing ones; project delete too', async () => {
    const run = await cli(['task', 'delete', String(taskId), '999999']);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([String(taskId)]);
    expect(run.stderr).toContain('Task 999999 not found, skipped');
    expect(emu.emulator.state.tasks.has(taskId)).toBe(false);

    const project = await cli(['project', 'delete', String(projectId)]);
    expect({ code: project.code, out: lines(project.stdout) }).toEqual({ code: 0, out: [String(projectId)] });
    expect(emu.emulator.state.projects.has(projectId)).toBe(false);
  });

  describe('errors', () => {
    it('a wrong password is one line on stderr (no password, no stack) and exit code 3', async () => {
      const run = await runCliProcess(
        ['--server-host', emu.url, '--auth', 'admin:s3cret-wrong', 'task', 'ls'],
        {
          cwd: work,
        },
      );
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(/^cvat-rx: error: .*Unable to log in/);
      // What the server said: CVAT rejects a login with 400, not 401.
      expect(run.stderr).toContain('failed with 400');
      expect(run.stderr).not.toContain('401');
      expect(run.stderr).not.toContain('s3cret-wrong');
    });

    it('a rejected access token (CVAT_ACCESS_TOKEN) is exit code 3, the token never printed', async () => {
      const run = await runCliProcess(['--server-host', emu.url, 'task', 'ls'], {
        cwd: work,
        env: cleanEnv({ CVAT_ACCESS_TOKEN: 'not-a-real-token-123' }),
      });
      expect(run.code).toBe(3);
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).not.toContain('not-a-real-token-123');
    });

    it('no server is a network error, exit code 5', async () => {
      const run = await runCliProcess(
        ['--server-host', 'http://127.0.0.1', '--server-port', '1', '--auth', 'a:b', 'task', 'ls'],
        {
          cwd: work,
        },
      );
      expect(run.code).toBe(5);
      expect(lines(run.stderr)).toHaveLength(1);
    });

    it('--debug shows one line per request and response, never the password', async () => {
      const run = await runCliProcess(
        ['--server-host', emu.url, '--auth', 'admin:debug-pass-123', '--debug', 'project', 'ls'],
        { cwd: work },
      );
      expect(run.code).toBe(3);
      expect(lines(run.stderr)).toEqual(
        expect.arrayContaining(['debug: -> POST /api/auth/login', 'debug: <- 400 POST /api/auth/login']),
      );
      // With --debug the error comes with its stack.
      expect(run.stderr).toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain('debug-pass-123');
    });

    it('a server-side failure is exit code 4; a usage error exit code 2', async () => {
      const missing = await cli(['task', 'export-dataset', '999999', 'out/nothing.zip']);
      expect(missing.code).toBe(4);
      expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^cvat-rx: error: .*404/)]);
      const usage = await cli(['task', 'create', 'x', 'local', 'no-such-file.png']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('no-such-file.png');
    });
  });

  describe('Ctrl-C', () => {
    afterEach(() => emu.setFaults([]));

    it('SIGINT during an upload exits 130 and leaves no temporary files', async () => {
      const dir = mkdtempSync(join(work, 'sigint-upload-'));
      writeFileSync(
        join(dir, 'large.bmp'),
        encodeBmp(800, 600, gradient(800, 600, [9, 9, 9], [90, 200, 30])),
      );
      // Uploads reach the server but are held there: the command is still uploading when interrupted.
      emu.setFaults([{ path: '/api/tasks/*/data', method: 'POST', latencyMs: 20_000 }]);
      const spawned = spawnCli([...global, 'task', 'create', 'interrupted', 'local', 'large.bmp'], {
        cwd: dir,
      });
      await spawned.waitForStderr('upload 0%');
      spawned.child.kill('SIGINT');
      const run = await spawned.done;
      expect(run.code).toBe(130);
      expect(lines(run.stderr).at(-1)).toBe('cvat-rx: interrupted');
      expect(run.stdout).toBe('');
      expect(readdirSync(dir)).toEqual(['large.bmp']);
    });

    it('SIGINT during a download exits 130 and leaves nothing in the output directory', async () => {
      const id = lastId(await ok(['task', 'create', 'to download', 'local', 'big.bmp']));
      const dir = mkdtempSync(join(work, 'sigint-download-'));
      emu.setFaults([
        { path: '/api/tasks/*/backup/download', slowBodyChunkBytes: 16_384, slowBodyDelayMs: 200 },
      ]);
      const spawned = spawnCli([...global, 'task', 'backup', String(id), join(dir, 'backup.zip')], {
        cwd: work,
      });
      await spawned.waitForStderr('download 0%');
      spawned.child.kill('SIGINT');
      const run = await spawned.done;
      expect(run.code).toBe(130);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it('emulator runs the embedded server until Ctrl-C, then exits 0', async () => {
    const spawned = spawnCli(['emulator', '--port', '0'], { cwd: work });
    await spawned.waitForStderr('Emulator running');
    const url = lines(spawned.stdout())[0] ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const list = await runCliProcess(['--server-host', url, '--auth', 'admin:admin', 'project', 'ls'], {
      cwd: work,
    });
    expect({ code: list.code, stdout: list.stdout }).toEqual({ code: 0, stdout: '' });
    spawned.child.kill('SIGINT');
    const run = await spawned.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('cvat-rx: emulator stopped');
  });
});
