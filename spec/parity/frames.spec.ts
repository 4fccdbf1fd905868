import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ResourceType } from '../../src/entities/operations';
import { ApiError } from '../../src/errors';
import { makeClient } from '../../src/client';
import { HOST, requestBody } from '../operations/support';
import { taskWithFrames, useEmulator } from './support';

const env = useEmulator();

describe('removeFrames / restoreFrames over the data-meta PATCH', () => {
  it('a task adds to and takes from its deleted frames', async () => {
    const { client } = env();
    const task = await taskWithFrames(client, 'frames-task', 4);
    expect((await firstValueFrom(task.removeFrames([1, 2]))).deleted_frames).toEqual([1, 2]);
    // A second call keeps what was deleted before (the PATCH itself replaces the list).
    expect((await firstValueFrom(task.removeFrames([3]))).deleted_frames).toEqual([1, 2, 3]);
    expect((await firstValueFrom(task.restoreFrames([2]))).deleted_frames).toEqual([1, 3]);
    expect((await firstValueFrom(task.meta())).deleted_frames).toEqual([1, 3]);
  });

  it('a job edits only its own frames and keeps the other jobs’ deletions', async () => {
    const { client } = env();
    const task = await taskWithFrames(client, 'frames-job', 4, 2);
    await firstValueFrom(task.removeFrames([0]));
    const jobs = await lastValueFrom(task.jobs().pipe(toArray()));
    const second = jobs.find((j) => j.start_frame === 2);
    expect(second).toBeDefined();
    expect((await firstValueFrom(second!.removeFrames([3]))).deleted_frames).toEqual([3]);
    expect((await firstValueFrom(task.meta())).deleted_frames).toEqual([0, 3]);
    await expect(firstValueFrom(second!.removeFrames([0]))).rejects.toBeInstanceOf(ApiError);
    expect((await firstValueFrom(second!.restoreFrames([3]))).deleted_frames).toEqual([]);
    expect((await firstValueFrom(task.meta())).deleted_frames).toEqual([0]);
  });

  it('bad frame ids are a UsageError before any request', async () => {
    const { client, lines } = env();
    const task = await taskWithFrames(client, 'frames-bad', 2);
    const before = lines.length;
    await expect(firstValueFrom(task.removeFrames([-1]))).rejects.toThrow(/integers >= 0/);
    expect(lines.length).toBe(before);
  });
});

describe('downloadFrames', () => {
  it('creates its folder with the parents, and converts to imageExtension', async () => {
    const { client, workDir } = env();
    const task = await taskWithFrames(client, 'frames-download', 3);
    const outdir = join(workDir, 'a', 'b', 'frames');
    expect(existsSync(outdir)).toBe(false);
    const saved = await lastValueFrom(
      task.downloadFrames([0, 2], outdir, { quality: 'original', imageExtension: 'jpg' }).pipe(toArray()),
    );
    expect(saved.map((s) => s.frame).sort()).toEqual([0, 2]);
    expect(readdirSync(outdir).sort()).toEqual(['frame_000000.jpg', 'frame_000002.jpg']);
    const bytes = readFileSync(join(outdir, 'frame_000000.jpg'));
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  });

  it('keeps the server’s format without imageExtension, and PNG stays PNG with imageExtension png', async () => {
    const { client, workDir } = env();
    const task = await taskWithFrames(client, 'frames-png', 1);
    const outdir = join(workDir, 'png-out');
    await lastValueFrom(task.downloadFrames([0], outdir, { quality: 'original', pattern: 'x{ext}' }));
    await lastValueFrom(
      task.downloadFrames([0], outdir, {
        quality: 'original',
        pattern: 'y_{frame}{ext}',
        imageExtension: '.PNG',
      }),
    );
    expect(readdirSync(outdir).sort()).toEqual(['x.png', 'y_0.png']);
    expect(readFileSync(join(outdir, 'x.png')).equals(readFileSync(join(outdir, 'y_0.png')))).toBe(true);
  });

  it('an extension it cannot convert to is a UsageError', async () => {
    const { client, workDir } = env();
    const task = await taskWithFrames(client, 'frames-webp', 1);
    await expect(
      lastValueFrom(
        task.downloadFrames([0], join(workDir, 'webp'), { quality: 'original', imageExtension: 'webp' }),
      ),
    ).rejects.toThrow(/only PNG and JPEG/);
  });
});

describe('uploadData({ wait: false })', () => {
  it('emits the request id once the data is accepted; watching it ends with the task ready', async () => {
    const { client } = env();
    const task = await firstValueFrom(client.tasks.create({ name: 'nowait', labels: [{ name: 'car' }] }));
    const rqId: string = await firstValueFrom(
      task.uploadData({ resourceType: ResourceType.Share, resources: ['f0.png', 'f1.png'] }, { wait: false }),
    );
    expect(typeof rqId).toBe('string');
    const last = await lastValueFrom(client.requests.watch(rqId));
    expect(last.status).toBe('finished');
    expect((await firstValueFrom(task.fetch())).size).toBe(2);
  });

  it('with observe: events, upload progress then the request id', async () => {
    const { client, shareDir } = env();
    const task = await firstValueFrom(
      client.tasks.create({ name: 'nowait-local', labels: [{ name: 'car' }] }),
    );
    const events = await lastValueFrom(
      task
        .uploadData({ resources: [join(shareDir, 'f2.png')] }, { wait: false, observe: 'events' })
        .pipe(toArray()),
    );
    const last = events[events.length - 1];
    expect(last?.type).toBe('result');
    expect(
      events.filter((e) => e.type === 'progress').every((e) => e.type === 'progress' && e.phase === 'upload'),
    ).toBe(true);
    if (last?.type === 'result') await lastValueFrom(client.requests.watch(last.value));
  });
});

describe('one poll loop per request id', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('concurrent watches of one rq_id send one poll, not one each', async () => {
    const client = makeClient({
      host: HOST,
      credentials: { token: 'k' },
      config: { polling: { minDelayMs: 0, maxDelayMs: 0 }, transport: { retry: { maxAttempts: 1 } } },
    });
    // One answer only: a second, unshared loop would find no reply and fail.
    const scope = nock(HOST).get('/api/requests/rq-1').once().reply(200, requestBody('rq-1', 'finished'));
    const [a, b] = await Promise.all([
      lastValueFrom(client.requests.watch('rq-1')),
      lastValueFrom(client.requests.watch('rq-1')),
    ]);
    expect(a.status).toBe('finished');
    expect(b).toEqual(a);
    expect(scope.isDone()).toBe(true);
    expect(client.context.statusLoops.size).toBe(0);
  });
});
