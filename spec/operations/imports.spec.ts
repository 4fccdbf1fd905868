import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  createProjectFromBackup,
  createTaskFromBackup,
  importAnnotations,
  importDataset,
} from '../../src/entities/operations';
import { RequestFailedError, UsageError } from '../../src/errors';
import { HOST, projectBody, requestBody, taskBody, tick, useNock, wireContext } from './support';

useNock();

/** The TUS part of an import: create (Location on another host, as CVAT builds it) and one PATCH. */
function tus(scope: nock.Scope, path: string, stored: string, size: number): nock.Scope {
  return scope
    .post(path)
    .matchHeader('upload-length', String(size))
    .matchHeader('tus-resumable', '1.0.0')
    .reply(201, '', { Location: `http://localhost:8080${path}abc-123`, 'Upload-Filename': stored })
    .patch(`${path}abc-123`)
    .matchHeader('upload-offset', '0')
    .matchHeader('content-type', 'application/offset+octet-stream')
    .reply(204, '', { 'Upload-Offset': String(size) });
}

describe.each(['tasks', 'jobs'] as const)('%s importAnnotations', (kind) => {
  it('Upload-Start, TUS, Upload-Finish with format and the stored filename, then the request', async () => {
    const { ctx, sent } = wireContext();
    const path = `/api/${kind}/5/annotations/`;
    const scope = nock(HOST)
      .post(path)
      .query({ format: 'CVAT 1.1', location: 'local', filename: 'ann.xml', conv_mask_to_poly: 'false' })
      .matchHeader('upload-start', 'true')
      .reply(202);
    tus(scope, path, 'ann.xml', 5)
      .post(path)
      .query({ format: 'CVAT 1.1', location: 'local', filename: 'ann.xml', conv_mask_to_poly: 'false' })
      .matchHeader('upload-finish', 'true')
      .reply(202, { rq_id: 'rq-a' })
      .get('/api/requests/rq-a')
      .reply(200, requestBody('rq-a', 'finished'));
    const events = await lastValueFrom(
      importAnnotations(
        ctx,
        kind,
        5,
        'CVAT 1.1',
        { name: 'ann.xml', data: Buffer.from('<xml>') },
        {
          observe: 'events',
          convMaskToPoly: false,
        },
      ).pipe(toArray()),
    );
    expect(events.at(-1)).toEqual({ type: 'result', value: undefined });
    expect(events.filter((e) => e.type === 'progress' && e.phase === 'upload').at(-1)).toMatchObject({
      loaded: 5,
      total: 5,
    });
    expect(sent.map((s) => s.line)).toEqual([
      `POST ${path}?format=CVAT 1.1&conv_mask_to_poly=false&location=local&filename=ann.xml [upload-start]`,
      `POST ${path} [upload-length]`,
      // The Location named localhost: the PATCH goes to the configured host.
      `PATCH ${path}abc-123`,
      `POST ${path}?format=CVAT 1.1&conv_mask_to_poly=false&location=local&filename=ann.xml [upload-finish]`,
      'GET /api/requests/rq-a',
    ]);
    expect(nock.isDone()).toBe(true);
  });
});

it('a failed import is a RequestFailedError with the server message', async () => {
  const { ctx } = wireContext();
  const path = '/api/tasks/6/annotations/';
  const scope = nock(HOST).post(path).query(true).reply(202);
  tus(scope, path, 'a.json', 2)
    .post(path)
    .query(true)
    .reply(202, { rq_id: 'rq-f' })
    .get('/api/requests/rq-f')
    .reply(200, requestBody('rq-f', 'failed', { message: 'Unknown format' }));
  await expect(
    firstValueFrom(
      importAnnotations(ctx, 'tasks', 6, 'COCO 1.0', { name: 'a.json', data: Buffer.from('{}') }),
    ),
  ).rejects.toThrow(RequestFailedError);
});

it('rejects a missing format or file before any request', async () => {
  const { ctx, sent } = wireContext();
  await expect(
    firstValueFrom(importAnnotations(ctx, 'tasks', 1, '', { name: 'a', data: Buffer.from('x') })),
  ).rejects.toThrow(UsageError);
  await expect(
    firstValueFrom(importAnnotations(ctx, 'tasks', 1, 'CVAT 1.1', '/no/such/file.xml')),
  ).rejects.toThrow(UsageError);
  expect(sent).toEqual([]);
});

it('project importDataset: /api/projects/{id}/dataset/ with format and conv_mask_to_poly', async () => {
  const { ctx, sent } = wireContext();
  const path = '/api/projects/3/dataset/';
  const scope = nock(HOST)
    .post(path)
    .query({ format: 'COCO 1.0', location: 'local', filename: 'd.zip' })
    .reply(202);
  tus(scope, path, 'd.zip', 3)
    .post(path)
    .query({ format: 'COCO 1.0', location: 'local', filename: 'd.zip' })
    .reply(202, { rq_id: 'rq-d' })
    .get('/api/requests/rq-d')
    .reply(200, requestBody('rq-d', 'finished'));
  await lastValueFrom(importDataset(ctx, 3, 'COCO 1.0', { name: 'd.zip', data: Buffer.from('zip') }));
  expect(sent.map((s) => s.line)).toEqual([
    `POST ${path}?format=COCO 1.0&location=local&filename=d.zip [upload-start]`,
    `POST ${path} [upload-length]`,
    `PATCH ${path}abc-123`,
    `POST ${path}?format=COCO 1.0&location=local&filename=d.zip [upload-finish]`,
    'GET /api/requests/rq-d',
  ]);
});

describe('restores', () => {
  it('createTaskFromBackup echoes Upload-Filename and retrieves the result_id', async () => {
    const { ctx, sent } = wireContext();
    const path = '/api/tasks/backup/';
    const scope = nock(HOST).post(path).query({ location: 'local', filename: 'b.zip' }).reply(202);
    tus(scope, path, 'cvat-backup-b-by-alice.zip', 4)
      .post(path)
      .query({ location: 'local', filename: 'cvat-backup-b-by-alice.zip' })
      .matchHeader('upload-finish', 'true')
      .reply(202, { rq_id: 'rq-b' })
      .get('/api/requests/rq-b')
      .reply(200, requestBody('rq-b', 'finished', { result_id: 42 }))
      .get('/api/tasks/42')
      .reply(200, taskBody(42));
    const task = await firstValueFrom(
      createTaskFromBackup(ctx, { name: 'b.zip', data: Buffer.from('back') }),
    );
    expect(task.id).toBe(42);
    expect(sent.map((s) => s.line)).toEqual([
      `POST ${path}?location=local&filename=b.zip [upload-start]`,
      `POST ${path} [upload-length]`,
      `PATCH ${path}abc-123`,
      `POST ${path}?location=local&filename=cvat-backup-b-by-alice.zip [upload-finish]`,
      'GET /api/requests/rq-b',
      'GET /api/tasks/42',
    ]);
  });

  it('createProjectFromBackup retrieves the new project', async () => {
    const { ctx } = wireContext();
    const path = '/api/projects/backup/';
    const scope = nock(HOST).post(path).query(true).reply(202);
    tus(scope, path, 'stored.zip', 1)
      .post(path)
      .query({ location: 'local', filename: 'stored.zip' })
      .reply(202, { rq_id: 'rq-p' })
      .get('/api/requests/rq-p')
      .reply(200, requestBody('rq-p', 'finished', { result_id: 9 }))
      .get('/api/projects/9')
      .reply(200, projectBody(9));
    const project = await firstValueFrom(
      createProjectFromBackup(ctx, { name: 'p.zip', data: Buffer.from('p') }),
    );
    expect(project.id).toBe(9);
  });

  it('a restore without result_id is an error', async () => {
    const { ctx } = wireContext();
    const path = '/api/tasks/backup/';
    const scope = nock(HOST).post(path).query(true).reply(202);
    tus(scope, path, 's.zip', 1)
      .post(path)
      .query(true)
      .reply(202, { rq_id: 'rq-n' })
      .get('/api/requests/rq-n')
      .reply(200, requestBody('rq-n', 'finished'));
    await expect(
      firstValueFrom(createTaskFromBackup(ctx, { name: 'x.zip', data: Buffer.from('x') })),
    ).rejects.toThrow(/result_id/);
  });
});

it('unsubscribing during the TUS upload of an import aborts it and sends nothing more', async () => {
  const { ctx, sent } = wireContext();
  const path = '/api/tasks/7/annotations/';
  nock(HOST)
    .post(path)
    .query(true)
    .reply(202)
    .post(path)
    .reply(201, '', { Location: `${HOST}${path}u1`, 'Upload-Filename': 'a.xml' })
    .patch(`${path}u1`)
    .delay(60_000)
    .reply(204, '', { 'Upload-Offset': '3' });
  const subscription = importAnnotations(ctx, 'tasks', 7, 'CVAT 1.1', {
    name: 'a.xml',
    data: Buffer.from('abc'),
  }).subscribe();
  while (!sent.some((s) => s.line.startsWith('PATCH'))) await tick();
  subscription.unsubscribe();
  for (let i = 0; i < 20; i++) await tick();
  expect(sent.map((s) => s.line)).toEqual([
    `POST ${path}?format=CVAT 1.1&location=local&filename=a.xml [upload-start]`,
    `POST ${path} [upload-length]`,
    `PATCH ${path}u1`,
  ]);
});
