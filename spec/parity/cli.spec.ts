import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { clientBackendFactory } from '../../src/cli/client-backend';
import { run } from '../cli/helpers';
import { png, taskWithFrames, useEmulator } from './support';

const cloudDir = mkdtempSync(join(tmpdir(), 'cvat-rx-cli-cloud-'));
mkdirSync(join(cloudDir, 'photos', 'day1'), { recursive: true });
writeFileSync(join(cloudDir, 'photos', 'a.png'), png(4, 4));
writeFileSync(join(cloudDir, 'photos', 'day1', 'b.png'), png(4, 4));
afterAll(() => rmSync(cloudDir, { recursive: true, force: true }));

const env = useEmulator({ cloudStorageDir: cloudDir });

function cli(argv: readonly string[]) {
  const url = new URL(env().server.url);
  return run(['--server-host', `${url.protocol}//${url.hostname}`, '--server-port', url.port, ...argv], {
    factory: clientBackendFactory,
    env: { USER: 'admin', PASS: 'admin' },
  });
}

describe('cvat-rx: files are replaced only with --overwrite', () => {
  it('task backup to an existing file fails (exit 2, file untouched); --overwrite replaces it', async () => {
    const { client, workDir } = env();
    const task = await taskWithFrames(client, 'cli-overwrite', 1);
    const file = join(workDir, 'keep.zip');
    writeFileSync(file, 'precious');
    const refused = await cli(['task', 'backup', String(task.id), file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.text).toMatch(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe('precious');
    const replaced = await cli(['task', 'backup', String(task.id), file, '--overwrite']);
    expect(replaced.code).toBe(0);
    expect(readFileSync(file).subarray(0, 2).toString('latin1')).toBe('PK');
  });

  it('task frames and export-dataset refuse to replace files too', async () => {
    const { client, workDir } = env();
    const task = await taskWithFrames(client, 'cli-frames', 1);
    const outdir = join(workDir, 'cli-frames');
    expect((await cli(['task', 'frames', String(task.id), '0', '--outdir', outdir])).code).toBe(0);
    expect((await cli(['task', 'frames', String(task.id), '0', '--outdir', outdir])).code).toBe(2);
    expect(
      (await cli(['task', 'frames', String(task.id), '0', '--outdir', outdir, '--overwrite'])).code,
    ).toBe(0);
    const file = join(workDir, 'cli-export.zip');
    writeFileSync(file, 'x');
    expect((await cli(['task', 'export-dataset', String(task.id), file])).code).toBe(2);
    expect((await cli(['task', 'export-dataset', String(task.id), file, '--overwrite'])).code).toBe(0);
  });
});

describe("cvat-rx: downloads into a folder, or the current one, under the server's file name", () => {
  it('task backup and export-dataset take a folder or nothing', async () => {
    const { client, workDir } = env();
    const task = await taskWithFrames(client, 'cli-folder', 1);
    const folder = join(workDir, 'downloads');
    mkdirSync(folder);
    const backup = await cli(['task', 'backup', String(task.id), folder]);
    expect(backup.code).toBe(0);
    const written = backup.stdout.lines.at(-1) ?? '';
    expect(written.startsWith(folder)).toBe(true);
    expect(readdirSync(folder)).toHaveLength(1);
    expect(readdirSync(folder)[0]).toMatch(/backup.*\.zip$/);
    // The file is there now: writing it again is refused without --overwrite, and it is kept.
    // (Named explicitly: the server's proposed name carries a timestamp, so a second backup into
    // the folder a second later gets another name.)
    const before = readFileSync(written);
    expect((await cli(['task', 'backup', String(task.id), written])).code).toBe(2);
    expect(readFileSync(written).equals(before)).toBe(true);
    expect((await cli(['task', 'backup', String(task.id), written, '--overwrite'])).code).toBe(0);

    const here = join(workDir, 'cwd');
    mkdirSync(here);
    const previous = process.cwd();
    process.chdir(here);
    try {
      const exported = await cli(['task', 'export-dataset', String(task.id)]);
      expect(exported.code).toBe(0);
    } finally {
      process.chdir(previous);
    }
    expect(readdirSync(here)).toHaveLength(1);
    expect(readdirSync(here)[0]).toMatch(/\.zip$/);
  });
});

describe('cvat-rx: legacy command names', () => {
  it('ls, dump and export work as task ls, task export-dataset and task backup', async () => {
    const { client, workDir } = env();
    const task = await taskWithFrames(client, 'cli-legacy', 1);
    const listed = await cli(['ls']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.lines).toContain(String(task.id));
    const dumped = await cli([
      'dump',
      String(task.id),
      join(workDir, 'legacy-dump.zip'),
      '--format',
      'COCO 1.0',
    ]);
    expect({ code: dumped.code, out: dumped.stdout.lines }).toEqual({
      code: 0,
      out: [join(workDir, 'legacy-dump.zip')],
    });
    const exported = await cli(['export', String(task.id), join(workDir, 'legacy-backup.zip')]);
    expect(exported.code).toBe(0);
  });
});

describe('cvat-rx quality report, consensus merge, storage ls', () => {
  it('quality report prints the summary and the report id; --json prints the report', async () => {
    const { client } = env();
    const task = await taskWithFrames(client, 'cli-quality', 2);
    const gt = await firstValueFrom(
      client.jobs.create({
        task_id: task.id,
        type: 'ground_truth',
        frame_selection_method: 'manual',
        frames: [0],
      }),
    );
    const notReady = await cli(['quality', 'report', String(task.id)]);
    expect(notReady.code).toBe(4);
    await firstValueFrom(gt.update({ stage: 'acceptance', state: 'completed' }));
    const report = await cli(['quality', 'report', String(task.id)]);
    expect(report.code).toBe(0);
    expect(report.stderr.text).toMatch(/conflicts: 0, errors: 0, validation frames: 1\/2/);
    const id = Number(report.stdout.lines.at(-1));
    expect((await firstValueFrom(client.quality.report(id))).task_id).toBe(task.id);
    const json = await cli(['quality', 'report', String(task.id), '--json']);
    expect(JSON.parse(json.stdout.text)).toMatchObject({ target: 'task', task_id: task.id });
  });

  it('consensus merge merges a task; a task without replicas is a server error', async () => {
    const { client } = env();
    const task = await firstValueFrom(
      client.tasks.createFromData({
        spec: { name: 'cli-consensus', labels: [{ name: 'car' }], consensus_replicas: 2 },
        resourceType: 'share',
        resources: ['f0.png'],
      }),
    );
    expect((await cli(['consensus', 'merge', String(task.id)])).code).toBe(0);
    const plain = await taskWithFrames(client, 'cli-no-consensus', 1);
    expect((await cli(['consensus', 'merge', String(plain.id)])).code).toBe(4);
    const [job] = await lastValueFrom(
      client.jobs.list({ task_id: task.id, type: 'annotation' }).pipe(toArray()),
    );
    expect((await cli(['consensus', 'merge', String(job!.id), '--job'])).code).toBe(0);
  });

  it('storage ls lists one level of a bucket, folders with a slash; a prefix goes deeper', async () => {
    const { client } = env();
    const storage = await firstValueFrom(
      client.cloudStorages.create({
        provider_type: 'AWS_S3_BUCKET',
        resource: 'photos',
        display_name: 'photos',
        credentials_type: 'ANONYMOUS_ACCESS',
      }),
    );
    const top = await cli(['storage', 'ls', String(storage.id)]);
    expect({ code: top.code, out: top.stdout.lines }).toEqual({ code: 0, out: ['day1/', 'a.png'] });
    const deeper = await cli(['storage', 'ls', String(storage.id), 'day1/']);
    expect(deeper.stdout.lines).toEqual(['b.png']);
    const json = await cli(['storage', 'ls', String(storage.id), '--json']);
    expect(JSON.parse(json.stdout.text)).toEqual([
      { name: 'day1', type: 'DIR', mimeType: 'DIR' },
      { name: 'a.png', type: 'REG', mimeType: 'image' },
    ]);
  });
});
