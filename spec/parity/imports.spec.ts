import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { CloudStorage, Task } from '../../src/entities';
import { UsageError } from '../../src/errors';
import { taskWithFrames, useEmulator } from './support';

const cloudDir = mkdtempSync(join(tmpdir(), 'cvat-rx-cloud-import-'));
mkdirSync(join(cloudDir, 'bucket'));
afterAll(() => rmSync(cloudDir, { recursive: true, force: true }));

const env = useEmulator({ cloudStorageDir: cloudDir });

async function bucket(): Promise<CloudStorage> {
  return firstValueFrom(
    env().client.cloudStorages.create({
      provider_type: 'GOOGLE_CLOUD_STORAGE',
      resource: 'bucket',
      display_name: 'imports',
      credentials_type: 'ANONYMOUS_ACCESS',
    }),
  );
}

/** A task with one box, its annotations exported into the bucket as `name`. */
async function annotatedTaskInBucket(name: string): Promise<Task> {
  const { client, workDir } = env();
  const task = await taskWithFrames(client, `import-${name}`, 2);
  const labels = await lastValueFrom(task.labels().pipe(toArray()));
  await firstValueFrom(
    task.setAnnotations({
      shapes: [{ type: 'rectangle', frame: 0, label_id: labels[0]!.id, points: [1, 1, 3, 3] }],
    }),
  );
  const local = join(workDir, name);
  await lastValueFrom(task.exportDataset('CVAT for images 1.1', local, { includeImages: false }));
  copyFileSync(local, join(cloudDir, 'bucket', name));
  return task;
}

const shapesOf = async (task: Task) => (await firstValueFrom(task.getAnnotations())).shapes ?? [];

describe('imports and restores from a cloud storage', () => {
  it('importAnnotations reads the file in the bucket: no upload, one POST naming it', async () => {
    const { lines } = env();
    const storage = await bucket();
    const task = await annotatedTaskInBucket('ann.zip');
    await firstValueFrom(task.removeAnnotations());
    expect(await shapesOf(task)).toHaveLength(0);
    const before = lines.length;
    await lastValueFrom(
      task.importAnnotations('CVAT 1.1', {
        location: 'cloud_storage',
        cloudStorageId: storage.id,
        filename: 'ann.zip',
      }),
    );
    const sent = lines.slice(before);
    expect(sent.filter((l) => l.startsWith('PATCH') || l.startsWith('HEAD'))).toEqual([]);
    expect(sent.filter((l) => l.startsWith('POST'))).toEqual([`POST /api/tasks/${task.id}/annotations/`]);
    expect((await shapesOf(task)).map((s) => s.points)).toEqual([[1, 1, 3, 3]]);
  });

  it('importMode append adds to the annotations; replace (the default) replaces them', async () => {
    const storage = await bucket();
    const task = await annotatedTaskInBucket('append.zip');
    const source = { location: 'cloud_storage', cloudStorageId: storage.id, filename: 'append.zip' } as const;
    await lastValueFrom(task.importAnnotations('CVAT 1.1', source, { importMode: 'append' }));
    expect(await shapesOf(task)).toHaveLength(2);
    await lastValueFrom(task.importAnnotations('CVAT 1.1', source));
    expect(await shapesOf(task)).toHaveLength(1);
    await expect(
      lastValueFrom(task.importAnnotations('CVAT 1.1', source, { importMode: 'merge' as 'append' })),
    ).rejects.toBeInstanceOf(UsageError);
  });

  it('a job imports from the bucket too', async () => {
    const storage = await bucket();
    const task = await annotatedTaskInBucket('job.zip');
    await firstValueFrom(task.removeAnnotations());
    const [job] = await lastValueFrom(task.jobs().pipe(toArray()));
    await lastValueFrom(
      job!.importAnnotations('CVAT 1.1', {
        location: 'cloud_storage',
        cloudStorageId: storage.id,
        filename: 'job.zip',
      }),
    );
    expect(await shapesOf(task)).toHaveLength(1);
  });

  it('createFromBackup restores a task backup kept in the bucket', async () => {
    const { client, workDir } = env();
    const storage = await bucket();
    const task = await taskWithFrames(client, 'backed-up', 3);
    const local = join(workDir, 'task-backup.zip');
    await lastValueFrom(task.downloadBackup(local));
    copyFileSync(local, join(cloudDir, 'bucket', 'task-backup.zip'));
    const restored = await firstValueFrom(
      client.tasks.createFromBackup({
        location: 'cloud_storage',
        cloudStorageId: storage.id,
        filename: 'task-backup.zip',
      }),
    );
    expect(restored.id).not.toBe(task.id);
    expect(restored).toMatchObject({ name: 'backed-up', size: 3 });
  });

  it('a project dataset and a project backup from the bucket', async () => {
    const { client, workDir } = env();
    const storage = await bucket();
    const project = await firstValueFrom(
      client.projects.create({ name: 'cloud-src', labels: [{ name: 'car' }] }),
    );
    const task = await taskWithFrames(client, 'cloud-src-task', 2);
    await firstValueFrom(task.update({ project_id: project.id }));
    await lastValueFrom(project.exportDataset('CVAT for images 1.1', join(workDir, 'ds.zip')));
    await lastValueFrom(project.downloadBackup(join(workDir, 'pb.zip')));
    copyFileSync(join(workDir, 'ds.zip'), join(cloudDir, 'bucket', 'ds.zip'));
    copyFileSync(join(workDir, 'pb.zip'), join(cloudDir, 'bucket', 'pb.zip'));

    const target = await firstValueFrom(
      client.projects.create({ name: 'cloud-dst', labels: [{ name: 'car' }] }),
    );
    await lastValueFrom(
      target.importDataset('CVAT 1.1', {
        location: 'cloud_storage',
        cloudStorageId: storage.id,
        filename: 'ds.zip',
      }),
    );
    expect(await lastValueFrom(target.tasks().pipe(toArray()))).not.toHaveLength(0);
    const restored = await firstValueFrom(
      client.projects.createFromBackup({
        location: 'cloud_storage',
        cloudStorageId: storage.id,
        filename: 'pb.zip',
      }),
    );
    expect(restored.name).toBe('cloud-src');
  });

  it('a file missing from the bucket is the server’s 400; an incomplete source is a UsageError before any request', async () => {
    const { lines } = env();
    const storage = await bucket();
    const task = await taskWithFrames(env().client, 'missing', 1);
    await expect(
      lastValueFrom(
        task.importAnnotations('CVAT 1.1', {
          location: 'cloud_storage',
          cloudStorageId: storage.id,
          filename: 'nope.zip',
        }),
      ),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      lastValueFrom(
        task.importAnnotations('CVAT 1.1', {
          location: 'cloud_storage',
          cloudStorageId: storage.id,
          filename: '../x',
        }),
      ),
    ).rejects.toMatchObject({ status: 400 });
    const before = lines.length;
    await expect(
      lastValueFrom(
        task.importAnnotations('CVAT 1.1', {
          location: 'cloud_storage',
          cloudStorageId: storage.id,
          filename: '',
        }),
      ),
    ).rejects.toBeInstanceOf(UsageError);
    expect(lines.length).toBe(before);
  });
});
