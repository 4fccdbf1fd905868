import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { clientBackendFactory } from '../../src/cli/client-backend';
import { ProjectCreationError } from '../../src/entities/operations';
import { UsageError } from '../../src/errors';
import { run } from '../cli/helpers';
import { taskWithFrames, useEmulator } from './support';

const env = useEmulator();
const LABELS = [{ name: 'car' }, { name: 'person' }];

/** A real dataset: a project with one annotated task, exported by the emulator. */
async function exportedDataset(name: string): Promise<string> {
  const { client, workDir } = env();
  const project = await firstValueFrom(client.projects.create({ name: `${name}-source`, labels: LABELS }));
  const task = await taskWithFrames(client, `${name}-task`, 2);
  await firstValueFrom(task.update({ project_id: project.id }));
  const path = join(workDir, `${name}.zip`);
  await lastValueFrom(project.exportDataset('CVAT for images 1.1', path));
  return path;
}

const projectNames = (): string[] => [...env().server.emulator.state.projects.values()].map((p) => p.name);

describe('client.projects.createFromDataset', () => {
  it('creates the project and imports the dataset into it', async () => {
    const { client } = env();
    const dataset = await exportedDataset('ok');
    const project = await firstValueFrom(
      client.projects.createFromDataset(
        { name: 'from-dataset', labels: LABELS },
        { datasetPath: dataset, datasetFormat: 'CVAT 1.1' },
      ),
    );
    expect(project.name).toBe('from-dataset');
    // The dataset's task came with it (CVAT makes a task per subset of an imported dataset).
    expect(await lastValueFrom(project.tasks().pipe(toArray()))).not.toHaveLength(0);
    expect(projectNames()).toContain('from-dataset');
  });

  it('removes the half-made project when the import fails', async () => {
    const { client, workDir } = env();
    const bad = join(workDir, 'not-a-dataset.zip');
    writeFileSync(bad, 'this is not a zip');
    const error: unknown = await firstValueFrom(
      client.projects.createFromDataset({ name: 'doomed', labels: LABELS }, { datasetPath: bad }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectCreationError);
    expect((error as ProjectCreationError).removed).toBe(true);
    expect((error as ProjectCreationError).message).toMatch(/was removed/);
    expect(projectNames()).not.toContain('doomed');
  });

  it('cleanupOnError: false leaves it, and says so', async () => {
    const { client, workDir } = env();
    const bad = join(workDir, 'bad2.zip');
    writeFileSync(bad, 'nope');
    const error = (await firstValueFrom(
      client.projects.createFromDataset(
        { name: 'kept', labels: LABELS },
        { datasetPath: bad },
        { cleanupOnError: false },
      ),
    ).catch((e: unknown) => e)) as ProjectCreationError;
    expect(error.removed).toBe(false);
    expect(error.message).toMatch(/left on the server/);
    expect(projectNames()).toContain('kept');
  });

  it('a missing file or an invalid spec is a UsageError and nothing is created', async () => {
    const { client, workDir, lines } = env();
    const before = lines.length;
    await expect(
      firstValueFrom(
        client.projects.createFromDataset({ name: 'x' }, { datasetPath: join(workDir, 'missing.zip') }),
      ),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      firstValueFrom(
        client.projects.createFromDataset({ name: ' ' }, { datasetPath: join(workDir, 'ok.zip') }),
      ),
    ).rejects.toBeInstanceOf(UsageError);
    expect(lines.slice(before).filter((l) => l.startsWith('POST'))).toEqual([]);
  });

  it('cleanupOnCancel removes the project when the caller unsubscribes mid-way', async () => {
    const { client } = env();
    const dataset = await exportedDataset('cancel');
    await new Promise<void>((resolve, reject) => {
      const subscription = client.projects
        .createFromDataset(
          { name: 'cancelled', labels: LABELS },
          { datasetPath: dataset },
          { observe: 'events', cleanupOnCancel: true },
        )
        .subscribe({
          next: (event) => {
            if (event.type === 'progress') {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
    });
    // The removal is sent on unsubscribe; wait for the server to have done it.
    for (let i = 0; i < 200 && projectNames().includes('cancelled'); i += 1) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(projectNames()).not.toContain('cancelled');
  });
});

describe('cvat-rx project create --dataset_path', () => {
  it('a failed import leaves no project behind and exits 4', async () => {
    const { server, workDir } = env();
    const bad = join(workDir, 'cli-bad.zip');
    writeFileSync(bad, 'garbage');
    const url = new URL(server.url);
    const result = await run(
      [
        '--server-host',
        `${url.protocol}//${url.hostname}`,
        '--server-port',
        url.port,
        'project',
        'create',
        'cli-doomed',
        '--labels',
        JSON.stringify(LABELS),
        '--dataset_path',
        bad,
      ],
      { factory: clientBackendFactory, env: { USER: 'admin', PASS: 'admin' } },
    );
    expect(result.code).toBe(4);
    expect(result.stderr.text).toMatch(/project \d+ was removed/);
    expect(projectNames()).not.toContain('cli-doomed');
  });
});
