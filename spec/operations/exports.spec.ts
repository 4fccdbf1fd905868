import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { downloadBackup, exportDataset, toBlob } from '../../src/entities/operations';
import { UsageError } from '../../src/errors';
import { HOST, requestBody, tick, useNock, wireContext } from './support';

useNock();

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cvat-rx-export-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const finished = (rqId: string, path: string) =>
  requestBody(rqId, 'finished', { result_url: `http://localhost:8080${path}?rq_id=${rqId}` });

describe.each(['tasks', 'projects', 'jobs'] as const)('%s exportDataset', (kind) => {
  it('POST …/dataset/export, follows the request, streams result_url (on the configured host) to the file', async () => {
    const { ctx, sent } = wireContext();
    const download = `/api/${kind}/3/dataset/download`;
    nock(HOST)
      .post(`/api/${kind}/3/dataset/export`)
      .query({ format: 'CVAT for images 1.1', save_images: 'false', location: 'local' })
      .reply(202, { rq_id: 'rq-e' })
      .get('/api/requests/rq-e')
      .reply(200, requestBody('rq-e', 'started', { progress: 0.3, message: 'Exporting' }))
      .get('/api/requests/rq-e')
      .reply(200, finished('rq-e', download))
      .get(download)
      .query({ rq_id: 'rq-e' })
      .reply(200, Buffer.from('zip-bytes'), { 'Content-Type': 'application/zip', 'Content-Length': '9' });
    const target = join(dir, 'out.zip');
    const events = await lastValueFrom(
      exportDataset(ctx, kind, 3, 'CVAT for images 1.1', target, {
        includeImages: false,
        observe: 'events',
      }).pipe(toArray()),
    );
    expect(readFileSync(target, 'utf8')).toBe('zip-bytes');
    expect(events.at(-1)).toEqual({
      type: 'result',
      value: { path: target, size: 9, contentType: 'application/zip' },
    });
    expect(events.filter((e) => e.type === 'progress' && e.phase === 'processing')).toEqual([
      { type: 'progress', phase: 'processing', loaded: 0.3, total: 1, message: 'Exporting' },
      { type: 'progress', phase: 'processing', loaded: 1, total: 1 },
    ]);
    expect(events.filter((e) => e.type === 'progress' && e.phase === 'download').at(-1)).toMatchObject({
      loaded: 9,
      total: 9,
    });
    expect(sent.map((s) => s.line)).toEqual([
      `POST /api/${kind}/3/dataset/export?format=CVAT for images 1.1&save_images=false&location=local`,
      'GET /api/requests/rq-e',
      'GET /api/requests/rq-e',
      `GET ${download}?rq_id=rq-e`,
    ]);
  });
});

it('includes images by default and downloads into a Blob with toBlob()', async () => {
  const { ctx } = wireContext();
  nock(HOST)
    .post('/api/tasks/4/dataset/export')
    .query({ format: 'COCO 1.0', save_images: 'true', location: 'local' })
    .reply(202, { rq_id: 'rq-b' })
    .get('/api/requests/rq-b')
    .reply(200, finished('rq-b', '/api/tasks/4/dataset/download'))
    .get('/api/tasks/4/dataset/download')
    .query(true)
    .reply(200, Buffer.from('abc'), {
      'Content-Type': 'application/zip',
      'Content-Disposition': 'attachment; filename="t.zip"',
    });
  const result = await firstValueFrom(exportDataset(ctx, 'tasks', 4, 'COCO 1.0', toBlob()));
  expect(result.filename).toBe('t.zip');
  expect(await result.blob.text()).toBe('abc');
});

it('exports to a cloud storage without downloading', async () => {
  const { ctx, sent } = wireContext();
  nock(HOST)
    .post('/api/tasks/4/dataset/export')
    .query({
      format: 'COCO 1.0',
      save_images: 'true',
      location: 'cloud_storage',
      cloud_storage_id: '2',
      filename: 'x.zip',
    })
    .reply(202, { rq_id: 'rq-c' })
    .get('/api/requests/rq-c')
    .reply(200, requestBody('rq-c', 'finished'));
  const result = await firstValueFrom(
    exportDataset(ctx, 'tasks', 4, 'COCO 1.0', {
      location: 'cloud_storage',
      cloudStorageId: 2,
      filename: 'x.zip',
    }),
  );
  expect(result).toEqual({
    location: 'cloud_storage',
    cloudStorageId: 2,
    filename: 'x.zip',
    requestId: 'rq-c',
  });
  expect(sent).toHaveLength(2);
});

it.each<[string, () => Observable<unknown>]>([
  ['no format', () => exportDataset(wireContext().ctx, 'tasks', 1, '', 'x.zip')],
  [
    'a cloud export without id',
    () => exportDataset(wireContext().ctx, 'tasks', 1, 'f', { location: 'cloud_storage' } as never),
  ],
  [
    'an unknown location',
    () => exportDataset(wireContext().ctx, 'tasks', 1, 'f', { location: 's3', cloudStorageId: 1 } as never),
  ],
  [
    'an empty cloud file name',
    () =>
      exportDataset(wireContext().ctx, 'tasks', 1, 'f', {
        location: 'cloud_storage',
        cloudStorageId: 1,
        filename: '',
      }),
  ],
  ['a job backup', () => downloadBackup(wireContext().ctx, 'jobs' as never, 1, 'x.zip')],
  [
    'a path without the Node platform',
    () => exportDataset({ ...wireContext().ctx, platform: undefined }, 'tasks', 1, 'f', 'x.zip'),
  ],
])('%s is a UsageError', async (_name, call) => {
  await expect(firstValueFrom(call())).rejects.toBeInstanceOf(UsageError);
});

describe.each(['tasks', 'projects'] as const)('%s downloadBackup', (kind) => {
  it('POST …/backup/export, follows, downloads', async () => {
    const { ctx, sent } = wireContext();
    nock(HOST)
      .post(`/api/${kind}/8/backup/export`)
      .query({ location: 'local' })
      .reply(202, { rq_id: 'rq-k' })
      .get('/api/requests/rq-k')
      .reply(200, finished('rq-k', `/api/${kind}/8/backup/download`))
      .get(`/api/${kind}/8/backup/download`)
      .query({ rq_id: 'rq-k' })
      .reply(200, Buffer.from('backup'));
    const saved = await firstValueFrom(downloadBackup(ctx, kind, 8, join(dir, 'b.zip')));
    expect(readFileSync(saved.path, 'utf8')).toBe('backup');
    expect(sent.map((s) => s.line)).toEqual([
      `POST /api/${kind}/8/backup/export?location=local`,
      'GET /api/requests/rq-k',
      `GET /api/${kind}/8/backup/download?rq_id=rq-k`,
    ]);
  });
});

it('a failed export request is an error and writes nothing', async () => {
  const { ctx } = wireContext();
  nock(HOST)
    .post('/api/tasks/5/dataset/export')
    .query(true)
    .reply(202, { rq_id: 'rq-x' })
    .get('/api/requests/rq-x')
    .reply(200, requestBody('rq-x', 'failed', { message: 'boom' }));
  await expect(
    firstValueFrom(exportDataset(ctx, 'tasks', 5, 'COCO 1.0', join(dir, 'o.zip'))),
  ).rejects.toThrow(/boom/);
  expect(readdirSync(dir)).toEqual([]);
});

it('unsubscribing during the download removes the temporary file and sends nothing more', async () => {
  const { ctx, sent } = wireContext();
  const body = new Readable({ read() {} });
  nock(HOST)
    .post('/api/tasks/6/dataset/export')
    .query(true)
    .reply(202, { rq_id: 'rq-s' })
    .get('/api/requests/rq-s')
    .reply(200, finished('rq-s', '/api/tasks/6/dataset/download'))
    .get('/api/tasks/6/dataset/download')
    .query(true)
    .reply(200, () => body, { 'Content-Length': '100' });
  const events: unknown[] = [];
  const subscription = exportDataset(ctx, 'tasks', 6, 'COCO 1.0', join(dir, 'o.zip'), {
    observe: 'events',
  }).subscribe((e) => events.push(e));
  body.push(Buffer.alloc(10));
  while (
    !events.some(
      (e) => (e as { phase?: string }).phase === 'download' && (e as { loaded: number }).loaded > 0,
    )
  )
    await tick();
  expect(readdirSync(dir)).toHaveLength(1);
  subscription.unsubscribe();
  body.destroy();
  for (let i = 0; i < 10; i++) await tick();
  expect(readdirSync(dir)).toEqual([]);
  expect(existsSync(join(dir, 'o.zip'))).toBe(false);
  expect(sent).toHaveLength(3);
});

it('sends lightweight for a backup when asked, and a cloud backup names its storage', async () => {
  const { ctx, sent } = wireContext();
  nock(HOST)
    .post('/api/tasks/8/backup/export')
    .query({ lightweight: 'false', location: 'cloud_storage', cloud_storage_id: '3' })
    .reply(202, { rq_id: 'rq-l' })
    .get('/api/requests/rq-l')
    .reply(200, requestBody('rq-l', 'finished'));
  const result = await firstValueFrom(
    downloadBackup(ctx, 'tasks', 8, { location: 'cloud_storage', cloudStorageId: 3 }, { lightweight: false }),
  );
  expect(result).toEqual({
    location: 'cloud_storage',
    cloudStorageId: 3,
    filename: undefined,
    requestId: 'rq-l',
  });
  expect(sent.map((s) => s.line)).toEqual([
    'POST /api/tasks/8/backup/export?lightweight=false&location=cloud_storage&cloud_storage_id=3',
    'GET /api/requests/rq-l',
  ]);
});

describe('the destination is checked before the server is asked to do any work', () => {
  it('an existing file without overwrite: UsageError, nothing sent', async () => {
    const { ctx, sent } = wireContext();
    const target = join(dir, 'taken.zip');
    writeFileSync(target, 'mine');
    await expect(firstValueFrom(exportDataset(ctx, 'tasks', 1, 'COCO 1.0', target))).rejects.toBeInstanceOf(
      UsageError,
    );
    expect(sent).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe('mine');
  });

  it('a parent that is a file: UsageError, nothing sent', async () => {
    const { ctx, sent } = wireContext();
    writeFileSync(join(dir, 'file'), '');
    await expect(
      firstValueFrom(downloadBackup(ctx, 'tasks', 1, join(dir, 'file', 'sub', 'b.zip'))),
    ).rejects.toBeInstanceOf(UsageError);
    expect(sent).toEqual([]);
  });

  it('missing parent folders are created (the README quick start: out/cars.zip)', async () => {
    const { ctx } = wireContext();
    nock(HOST)
      .post('/api/tasks/2/dataset/export')
      .query(true)
      .reply(202, { rq_id: 'rq-m' })
      .get('/api/requests/rq-m')
      .reply(200, finished('rq-m', '/api/tasks/2/dataset/download'))
      .get('/api/tasks/2/dataset/download')
      .query(true)
      .reply(200, Buffer.from('zip'));
    const target = join(dir, 'out', 'deeper', 'cars.zip');
    const saved = await firstValueFrom(exportDataset(ctx, 'tasks', 2, 'COCO 1.0', target));
    expect(saved.path).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('zip');
  });

  it.each([
    ['an existing folder', (d: string) => d],
    ['a new folder ending with a separator', (d: string) => `${join(d, 'new')}/`],
  ])('%s gets the file name the server proposes', async (_name, folderOf) => {
    const { ctx } = wireContext();
    nock(HOST)
      .post('/api/tasks/2/backup/export')
      .query(true)
      .reply(202, { rq_id: 'rq-f' })
      .get('/api/requests/rq-f')
      .reply(200, finished('rq-f', '/api/tasks/2/backup/download'))
      .get('/api/tasks/2/backup/download')
      .query(true)
      .reply(200, Buffer.from('bk'), { 'Content-Disposition': 'attachment; filename="task_2_backup.zip"' });
    const folder = folderOf(dir);
    const saved = await firstValueFrom(downloadBackup(ctx, 'tasks', 2, folder));
    expect(saved.path).toBe(join(folder, 'task_2_backup.zip'));
    expect(readFileSync(saved.path, 'utf8')).toBe('bk');
  });
});
