import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { ResourceType, TaskCreationError, toBlob } from '../../src/entities/operations';
import type { Task } from '../../src/entities/task';
import { RequestFailedError } from '../../src/errors';
import { makeNodeClient } from '../../src/node/client';
import type { TransferEvent } from '../../src/transfer/progress';

/** A valid grey RGB PNG. */
function png(width: number, height: number, shade = 0x80): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, shade)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('transfers against the emulator', () => {
  let server: RunningEmulator;
  let client: CvatClient;
  let dir: string;
  let shareDir: string;
  const spec = { name: 'transfers', labels: [{ name: 'car' }] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-transfer-'));
    shareDir = mkdtempSync(join(tmpdir(), 'cvat-rx-transfer-share-'));
    writeFileSync(join(dir, 'a.png'), png(8, 6, 0x10));
    writeFileSync(join(dir, 'b.png'), png(8, 6, 0x20));
    writeFileSync(join(dir, 'not-an-image.png'), Buffer.from('plain text'));
    writeFileSync(join(shareDir, 's1.png'), png(4, 4));
    writeFileSync(join(shareDir, 's2.png'), png(4, 4));
    server = await startEmulator({ port: 0, processingDelayMs: 1, shareDir });
    client = await firstValueFrom(
      makeNodeClient({ host: server.url }).login({ username: 'admin', password: 'admin' }),
    );
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(shareDir, { recursive: true, force: true });
  });

  const out = (name: string) => join(dir, 'out', name);
  beforeEach(() => {
    rmSync(join(dir, 'out'), { recursive: true, force: true });
    mkdirSync(join(dir, 'out'));
  });

  it('createFromData (bulk), with upload and processing events; then update and remove', async () => {
    const events = await lastValueFrom(
      client.tasks
        .createFromData({ spec, resources: [join(dir, 'a.png'), join(dir, 'b.png')] }, { observe: 'events' })
        .pipe(toArray()),
    );
    const uploads = events.filter((e) => e.type === 'progress' && e.phase === 'upload');
    const total = readFileSync(join(dir, 'a.png')).length + readFileSync(join(dir, 'b.png')).length;
    expect(uploads.at(-1)).toMatchObject({ loaded: total, total });
    expect(events.some((e) => e.type === 'progress' && e.phase === 'processing')).toBe(true);
    const last = events.at(-1) as TransferEvent<Task>;
    if (last.type !== 'result') throw new Error('no result');
    const task = last.value;
    expect(task.size).toBe(2);
    const renamed = await firstValueFrom(task.update({ name: 'mytask' }));
    expect(renamed.name).toBe('mytask');
    await firstValueFrom(renamed.remove());
    expect(server.emulator.state.tasks.has(task.id)).toBe(false);
  });

  it('createFromData by TUS (small chunks), frames and meta read back byte for byte', async () => {
    const task = await firstValueFrom(
      client.tasks.createFromData(
        {
          spec,
          resources: [join(dir, 'a.png'), join(dir, 'b.png')],
          dataParams: { sorting_method: 'predefined' },
        },
        { upload: { maxRequestSize: 10, chunkSize: 50 } },
      ),
    );
    expect(task.size).toBe(2);
    const frame0 = await firstValueFrom(task.frame(0, { quality: 'original' }));
    expect(Buffer.from(frame0).equals(readFileSync(join(dir, 'a.png')))).toBe(true);
    const both = await lastValueFrom(task.frames([0, 1]).pipe(toArray()));
    expect(both.map((f) => f.frame).sort()).toEqual([0, 1]);
    const meta = await firstValueFrom(task.meta());
    expect(meta.frames?.map((f) => f.name)).toEqual(['a.png', 'b.png']);
    const chunk = await firstValueFrom(task.chunk(0));
    expect(Buffer.from(chunk.subarray(0, 2)).toString('latin1')).toBe('PK');
    expect((await firstValueFrom(task.preview())).length).toBeGreaterThan(0);
    const [job] = await lastValueFrom(task.jobs().pipe(toArray()));
    const original = await firstValueFrom(job.frame(1, { quality: 'original' }));
    expect(Buffer.from(original).equals(readFileSync(join(dir, 'b.png')))).toBe(true);
    // The server's default quality is `compressed`: JPEG frames, as CVAT makes them.
    const compressed = await firstValueFrom(job.frame(1));
    expect(Buffer.from(compressed.subarray(0, 2)).toString('hex')).toBe('ffd8');
    const saved = await lastValueFrom(task.downloadFrames([0, 1], join(dir, 'out')).pipe(toArray()));
    expect(saved).toHaveLength(2);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['frame_000000.jpg', 'frame_000001.jpg']);

    const [car] = await lastValueFrom(task.labels().pipe(toArray()));
    await firstValueFrom(
      task.updateAnnotations(
        { shapes: [{ type: 'rectangle', frame: 1, label_id: car.id, points: [0, 0, 2, 2] }] },
        'create',
      ),
    );
    const read = await lastValueFrom(task.samples({ concurrency: 2 }).pipe(toArray()));
    expect(read.map((sample) => [sample.frame, sample.name, sample.annotations.shapes.length])).toEqual([
      [0, 'a.png', 0],
      [1, 'b.png', 1],
    ]);
    expect(Buffer.from(read[1].image).equals(readFileSync(join(dir, 'b.png')))).toBe(true);
  });

  it.each([
    ['a connection reset in the middle of a chunk', { dropRequestAfterBytes: 100_000 }],
    ['a 503', { errorStatus: 503 }],
    ['a 409', { errorStatus: 409 }],
  ])('a TUS upload survives %s: resumed from the server offset, same bytes stored', async (_name, fault) => {
    const bytes = Buffer.concat([png(8, 6), Buffer.alloc(1_000_000, 7)]);
    writeFileSync(join(dir, 'big.png'), bytes);
    server.setFaults([{ path: '/api/tasks/*/data/*', method: 'PATCH', times: 1, ...fault }]);
    let patches = 0;
    const counting = makeNodeClient({
      host: server.url,
      credentials: { username: 'admin', password: 'admin' },
      config: {
        transport: {
          interceptors: [
            (request, next) => {
              if (request.method === 'PATCH') patches += 1;
              return next(request);
            },
          ],
        },
      },
    });
    try {
      const task = await firstValueFrom(
        counting.tasks.createFromData(
          { spec, resources: [join(dir, 'big.png')] },
          { upload: { maxRequestSize: 1000, chunkSize: 256 * 1024 } },
        ),
      );
      const stored = server.emulator.state.tasks.get(task.id)?.data?.frames[0]?.path ?? '';
      const hash = (data: Buffer) => createHash('sha256').update(data).digest('hex');
      expect(hash(readFileSync(stored))).toBe(hash(bytes));
      // Four chunks, one of them sent twice: the failed chunk was resumed, not the whole file.
      expect(patches).toBe(5);
    } finally {
      server.setFaults([]);
    }
  });

  it('createFromData from the share', async () => {
    const task = await firstValueFrom(
      client.tasks.createFromData({
        spec,
        resourceType: ResourceType.Share,
        resources: ['s1.png', 's2.png'],
      }),
    );
    expect(task.size).toBe(2);
  });

  it('a task whose data fails to process is removed, and the error says so', async () => {
    const before = new Set(server.emulator.state.tasks.keys());
    const error = await firstValueFrom(
      client.tasks.createFromData({ spec, resources: [join(dir, 'not-an-image.png')] }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskCreationError);
    expect((error as TaskCreationError).cause).toBeInstanceOf(RequestFailedError);
    expect((error as TaskCreationError).message).toMatch(/was removed/);
    expect([...server.emulator.state.tasks.keys()].filter((id) => !before.has(id))).toEqual([]);
  });

  it('export + download, backup + restore into a new task, annotations exported and imported back', async () => {
    const task = await firstValueFrom(
      client.tasks.createFromData({ spec, resources: [join(dir, 'a.png'), join(dir, 'b.png')] }),
    );
    const [car] = await lastValueFrom(task.labels().pipe(toArray()));
    await firstValueFrom(
      task.updateAnnotations(
        { shapes: [{ type: 'rectangle', frame: 0, label_id: car.id, points: [1, 1, 4, 4] }] },
        'create',
      ),
    );

    const dataset = await lastValueFrom(
      task.exportDataset('CVAT for images 1.1', out('dataset.zip'), { observe: 'events' }).pipe(toArray()),
    );
    expect(dataset.some((e) => e.type === 'progress' && e.phase === 'download')).toBe(true);
    expect(readFileSync(out('dataset.zip')).subarray(0, 2).toString('latin1')).toBe('PK');
    const annotationsOnly = await firstValueFrom(
      task.exportDataset('CVAT for images 1.1', out('annotations.zip'), { includeImages: false }),
    );
    expect(annotationsOnly.size).toBeGreaterThan(0);
    const blob = await firstValueFrom(task.exportDataset('COCO 1.0', toBlob()));
    expect(blob.blob.size).toBeGreaterThan(0);

    await firstValueFrom(task.downloadBackup(out('backup.zip')));
    const restored = await firstValueFrom(client.tasks.createFromBackup(out('backup.zip')));
    expect(restored.id).not.toBe(task.id);
    expect(restored.size).toBe(2);

    await firstValueFrom(restored.removeAnnotations());
    expect((await firstValueFrom(restored.getAnnotations())).shapes).toHaveLength(0);
    await lastValueFrom(restored.importAnnotations('CVAT 1.1', out('annotations.zip')));
    expect((await firstValueFrom(restored.getAnnotations())).shapes).toHaveLength(1);

    const annotated = await firstValueFrom(
      client.tasks.createFromData({
        spec,
        resources: [join(dir, 'a.png'), join(dir, 'b.png')],
        annotationPath: out('annotations.zip'),
        annotationFormat: 'CVAT 1.1',
      }),
    );
    expect((await firstValueFrom(annotated.getAnnotations())).shapes).toHaveLength(1);

    const [job] = await lastValueFrom(restored.jobs().pipe(toArray()));
    await firstValueFrom(job.exportDataset('CVAT for images 1.1', out('job.zip'), { includeImages: false }));
    expect(existsSync(out('job.zip'))).toBe(true);
    await lastValueFrom(job.importAnnotations('CVAT 1.1', out('job.zip')));
  });

  it('project backup and restore', async () => {
    const project = await firstValueFrom(client.projects.create({ name: 'p', labels: [{ name: 'car' }] }));
    await firstValueFrom(
      client.tasks.createFromData({
        spec: { name: 'in project', project_id: project.id },
        resources: [join(dir, 'a.png')],
      }),
    );
    await firstValueFrom(project.exportDataset('COCO 1.0', out('project.zip'), { includeImages: false }));
    await firstValueFrom(project.downloadBackup(out('project-backup.zip')));
    const restored = await firstValueFrom(client.projects.createFromBackup(out('project-backup.zip')));
    expect(restored.id).not.toBe(project.id);
    expect(restored.name).toBe('p');
  });

  it('unsubscribing during an export download leaves no file behind', async () => {
    const task = await firstValueFrom(client.tasks.createFromData({ spec, resources: [join(dir, 'a.png')] }));
    server.setFaults([
      { path: '/api/tasks/*/dataset/download', slowBodyChunkBytes: 16, slowBodyDelayMs: 50 },
    ]);
    try {
      const seen: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        const subscription = task
          .exportDataset('CVAT for images 1.1', out('slow.zip'), { observe: 'events' })
          .subscribe({
            next: (event) => {
              seen.push(event);
              if (event.type === 'progress' && event.phase === 'download' && event.loaded > 0) {
                subscription.unsubscribe();
                resolve();
              }
            },
            error: reject,
          });
      });
      expect(readdirSync(join(dir, 'out'))).toEqual([]);
    } finally {
      server.setFaults([]);
    }
  });
});
