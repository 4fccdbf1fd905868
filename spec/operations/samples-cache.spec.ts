import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Task } from '../../src/entities';
import { ResourceType } from '../../src/entities/operations';
import type { Sample } from '../../src/entities/operations';
import { UsageError } from '../../src/errors';
import { taskWithFrames, useEmulator } from '../parity/support';

const env = useEmulator();

/** Whether a logged request is a chunk of task `id`. */
const isData = (id: number) => (line: string) => line.endsWith(`/api/tasks/${id}/data`);

/** The requests made while `run` runs. */
async function requestsDuring<T>(run: () => Promise<T>): Promise<{ result: T; requests: string[] }> {
  const { lines } = env();
  const before = lines.length;
  const result = await run();
  return { result, requests: lines.slice(before) };
}

const all = (task: Task, options: Parameters<Task['samples']>[0]): Promise<Sample[]> =>
  lastValueFrom(task.samples(options).pipe(toArray()));

const summary = (list: readonly Sample[]) =>
  list
    .map((s) => [
      s.taskId,
      s.frame,
      s.name,
      Buffer.from(s.image).toString('base64'),
      s.annotations.shapes.length,
    ])
    .sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1]));

async function annotatedTask(name: string, frames = 4): Promise<Task> {
  const { client } = env();
  // Chunks of 2 frames: several chunks per task.
  const task = await firstValueFrom(
    client.tasks.createFromData({
      spec: { name, labels: [{ name: 'car' }, { name: 'person' }] },
      resourceType: ResourceType.Share,
      resources: Array.from({ length: frames }, (_, i) => `f${i}.png`),
      dataParams: { chunk_size: 2 },
    }),
  );
  const label = (await lastValueFrom(task.labels().pipe(toArray())))[0];
  await firstValueFrom(
    task.setAnnotations({
      version: 0,
      tags: [],
      tracks: [],
      shapes: [{ type: 'rectangle', frame: 1, label_id: label.id, points: [0, 0, 2, 2] }],
    }),
  );
  return firstValueFrom(task.fetch());
}

describe('task samples with a cache folder', () => {
  it('fills the cache, then reads it: online only the task is asked, offline nothing at all', async () => {
    const { workDir } = env();
    const dir = mkdtempSync(join(workDir, 'cache-'));
    const task = await annotatedTask('cached');
    const { result: first, requests: filling } = await requestsDuring(() => all(task, { cache: { dir } }));
    expect(filling.filter(isData(task.id))).toHaveLength(2);
    expect(readdirSync(join(dir, 'tasks', String(task.id))).sort()).toEqual(
      expect.arrayContaining(['annotations.json', 'meta.json', 'task.json']),
    );

    const { result: online, requests: again } = await requestsDuring(() => all(task, { cache: { dir } }));
    expect(again).toEqual([`GET /api/tasks/${task.id}`]);
    expect(summary(online)).toEqual(summary(first));

    const info = await firstValueFrom(task.samplesInfo({ cache: { dir } }));
    expect(info.size).toBe(4);
    expect(info.frames).toEqual([0, 1, 2, 3]);
    expect(first.find((s) => s.frame === 1)?.annotations.shapes).toHaveLength(1);
  });

  it('offline: zero requests; a task or entry not cached is a UsageError', async () => {
    const { workDir } = env();
    const dir = mkdtempSync(join(workDir, 'cache-'));
    const task = await annotatedTask('offline');
    await firstValueFrom(task.samplesInfo({ cache: { dir } }));
    await all(task, { cache: { dir } });
    const { result, requests } = await requestsDuring(async () => ({
      samples: await all(task, { cache: { dir, offline: true } }),
      info: await firstValueFrom(task.samplesInfo({ cache: { dir, offline: true } })),
      one: await firstValueFrom(task.sample(2, { cache: { dir, offline: true } })),
    }));
    expect(requests).toEqual([]);
    expect(result.samples).toHaveLength(4);
    expect(result.info.labels.map((l) => l.name).sort()).toEqual(['car', 'person']);
    expect(result.one.frame).toBe(2);

    const empty = mkdtempSync(join(workDir, 'cache-'));
    const { requests: refused } = await requestsDuring(async () => {
      await expect(all(task, { cache: { dir: empty, offline: true } })).rejects.toBeInstanceOf(UsageError);
      // Compressed chunks were never cached.
      await expect(
        all(task, { quality: 'compressed', cache: { dir, offline: true } }),
      ).rejects.toBeInstanceOf(UsageError);
    });
    expect(refused).toEqual([]);
  });

  it('a stale cache (updated_date changed) is dropped, refetched and overwritten', async () => {
    const { workDir } = env();
    const dir = mkdtempSync(join(workDir, 'cache-'));
    const task = await annotatedTask('stale');
    const fresh = await all(task, { cache: { dir } });
    const taskDir = join(dir, 'tasks', String(task.id));
    const cachedTask = JSON.parse(readFileSync(join(taskDir, 'task.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(
      join(taskDir, 'task.json'),
      JSON.stringify({ ...cachedTask, updated_date: '2000-01-01T00:00:00Z' }),
    );
    const chunkFile = readdirSync(taskDir).find((name) => name.startsWith('chunk-'));
    if (chunkFile === undefined) throw new Error('no chunk cached');
    writeFileSync(join(taskDir, chunkFile), 'outdated');
    writeFileSync(join(taskDir, 'left-over'), 'from the old version');

    const { result, requests } = await requestsDuring(() => all(task, { cache: { dir } }));
    expect(summary(result)).toEqual(summary(fresh));
    expect(requests.some((line) => line.includes('/data/meta'))).toBe(true);
    expect(requests.some((line) => line.includes('/annotations'))).toBe(true);
    expect(readFileSync(join(taskDir, chunkFile)).subarray(0, 2).toString('latin1')).toBe('PK');
    expect(readdirSync(taskDir)).not.toContain('left-over');
    const rewritten = JSON.parse(readFileSync(join(taskDir, 'task.json'), 'utf8')) as Record<string, unknown>;
    expect(rewritten.updated_date).toBe(cachedTask.updated_date);
  });

  it('an entry that cannot be read back is fetched again (online) or missing (offline)', async () => {
    const { workDir } = env();
    const dir = mkdtempSync(join(workDir, 'cache-'));
    const task = await annotatedTask('corrupt');
    await all(task, { cache: { dir } });
    const metaPath = join(dir, 'tasks', String(task.id), 'meta.json');
    writeFileSync(metaPath, '{"cut short');
    await expect(all(task, { cache: { dir, offline: true } })).rejects.toBeInstanceOf(UsageError);
    const { result, requests } = await requestsDuring(() => all(task, { cache: { dir } }));
    expect(result).toHaveLength(4);
    expect(requests).toEqual([`GET /api/tasks/${task.id}`, `GET /api/tasks/${task.id}/data/meta`]);
    expect(JSON.parse(readFileSync(metaPath, 'utf8'))).toHaveProperty('chunk_size', 2);
  });
});

describe('random access, annotations off, project samples', () => {
  it('sample(i) fetches only the chunk that holds it; out of range is a UsageError', async () => {
    const task = await annotatedTask('random', 6);
    const every = await all(task, {});
    const { result, requests } = await requestsDuring(() => firstValueFrom(task.sample(3)));
    expect(summary([result])).toEqual(summary(every.filter((s) => s.frame === 3)));
    expect(requests.filter(isData(task.id))).toHaveLength(1);
    await expect(firstValueFrom(task.sample(6))).rejects.toBeInstanceOf(UsageError);
    await expect(firstValueFrom(task.sample(-1))).rejects.toBeInstanceOf(UsageError);
  });

  it('loadAnnotations: false sends no annotations request and gives empty annotations', async () => {
    const task = await annotatedTask('no-annotations');
    const { result, requests } = await requestsDuring(() => all(task, { loadAnnotations: false }));
    expect(result).toHaveLength(4);
    expect(requests.some((line) => line.includes('annotations'))).toBe(false);
    expect(result.every((s) => s.annotations.shapes.length === 0 && s.annotations.tags.length === 0)).toBe(
      true,
    );
  });

  it('project.samples() covers every task, each sample with its taskId', async () => {
    const { client } = env();
    const project = await firstValueFrom(
      client.projects.create({ name: 'samples-project', labels: [{ name: 'car' }, { name: 'person' }] }),
    );
    const a = await taskWithFrames(client, 'pa', 2);
    const b = await taskWithFrames(client, 'pb', 3);
    await firstValueFrom(a.update({ project_id: project.id }));
    await firstValueFrom(b.update({ project_id: project.id }));
    const got = await lastValueFrom(project.samples({ loadAnnotations: false }).pipe(toArray()));
    expect(got.map((s) => [s.taskId, s.frame]).sort((x, y) => x[0] - y[0] || x[1] - y[1])).toEqual([
      [a.id, 0],
      [a.id, 1],
      [b.id, 0],
      [b.id, 1],
      [b.id, 2],
    ]);
    const { workDir } = env();
    const dir = mkdtempSync(join(workDir, 'cache-'));
    await expect(lastValueFrom(project.samples({ cache: { dir, offline: true } }))).rejects.toBeInstanceOf(
      UsageError,
    );
    const cached = await lastValueFrom(project.samples({ cache: { dir } }).pipe(toArray()));
    const { result: offline, requests } = await requestsDuring(() =>
      lastValueFrom(project.samples({ cache: { dir, offline: true } }).pipe(toArray())),
    );
    expect(requests).toEqual([]);
    expect(summary(offline)).toEqual(summary(cached));
    expect(offline).toHaveLength(5);
  });
});
