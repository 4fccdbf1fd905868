import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  ResourceType,
  TaskCreationError,
  createTaskFromData,
  uploadTaskData,
} from '../../src/entities/operations';
import type { TransferEvent } from '../../src/transfer/progress';
import { RequestFailedError, UsageError } from '../../src/errors';
import type { Task } from '../../src/entities/task';
import { HOST, requestBody, taskBody, tick, useNock, wireContext } from './support';

useNock();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvat-rx-ops-'));
  writeFileSync(join(dir, 'a.jpg'), Buffer.alloc(10, 1));
  writeFileSync(join(dir, 'b.jpg'), Buffer.alloc(20, 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = { name: 'street', labels: [{ name: 'car' }] };

describe('createTaskFromData, local files', () => {
  it('creates, uploads in one bulk request, finishes with every data parameter, follows processing, emits the fresh Task', async () => {
    const { ctx, sent } = wireContext();
    let finishBody: unknown;
    let multipart = '';
    nock(HOST)
      .post('/api/tasks', (body) => body.name === 'street')
      .reply(201, taskBody(7))
      .post('/api/tasks/7/data/')
      .matchHeader('upload-start', 'true')
      .reply(202)
      .post('/api/tasks/7/data/', (body: string) => {
        multipart = body;
        return true;
      })
      .matchHeader('upload-multiple', 'true')
      .reply(200)
      .post('/api/tasks/7/data/', (body) => {
        finishBody = body;
        return true;
      })
      .matchHeader('upload-finish', 'true')
      .reply(202, { rq_id: 'rq-1' })
      .get('/api/requests/rq-1')
      .reply(200, requestBody('rq-1', 'started', { progress: 0.5, message: 'Extracting' }))
      .get('/api/requests/rq-1')
      .reply(200, requestBody('rq-1', 'finished'))
      .get('/api/tasks/7')
      .reply(200, taskBody(7, { size: 2 }));

    const events = await lastValueFrom(
      createTaskFromData(
        ctx,
        {
          spec,
          resources: [join(dir, 'a.jpg'), join(dir, 'b.jpg')],
          dataParams: { frame_step: 2, sorting_method: 'predefined' },
        },
        { observe: 'events' },
      ).pipe(toArray()),
    );

    expect(sent.map((s) => s.line)).toEqual([
      'POST /api/tasks',
      'POST /api/tasks/7/data/ [upload-start]',
      'POST /api/tasks/7/data/ [upload-multiple]',
      'POST /api/tasks/7/data/ [upload-finish]',
      'GET /api/requests/rq-1',
      'GET /api/requests/rq-1',
      'GET /api/tasks/7',
    ]);
    expect(finishBody).toEqual({
      image_quality: 70,
      frame_filter: 'step=2',
      sorting_method: 'predefined',
      upload_file_order: ['a.jpg', 'b.jpg'],
    });
    expect(multipart).toContain('name="image_quality"');
    expect(multipart).toContain('name="client_files[0]"; filename="a.jpg"');
    expect(multipart).toContain('name="client_files[1]"; filename="b.jpg"');

    const uploads = events.filter((e) => e.type === 'progress' && e.phase === 'upload');
    expect(uploads.at(-1)).toMatchObject({ loaded: 30, total: 30 });
    const processing = events.filter((e) => e.type === 'progress' && e.phase === 'processing');
    expect(processing).toEqual([
      { type: 'progress', phase: 'processing', loaded: 0.5, total: 1, message: 'Extracting' },
      { type: 'progress', phase: 'processing', loaded: 1, total: 1 },
    ]);
    const last = events.at(-1) as TransferEvent<Task>;
    expect(last.type).toBe('result');
    expect(last.type === 'result' && last.value.size).toBe(2);
    expect(nock.isDone()).toBe(true);
  });

  it('emits only the Task by default', async () => {
    const { ctx } = wireContext();
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(8))
      .post('/api/tasks/8/data/')
      .times(3)
      .reply(function () {
        return this.req.headers['upload-finish']
          ? [202, { rq_id: 'rq-8' }]
          : this.req.headers['upload-start']
            ? [202]
            : [200];
      })
      .get('/api/requests/rq-8')
      .reply(200, requestBody('rq-8', 'finished'))
      .get('/api/tasks/8')
      .reply(200, taskBody(8, { size: 1 }));
    const values = await lastValueFrom(
      createTaskFromData(ctx, { spec, resources: [{ name: 'x.png', data: Buffer.from('png') }] }).pipe(
        toArray(),
      ),
    );
    expect(values).toHaveLength(1);
    expect(values[0].id).toBe(8);
    expect(values[0].size).toBe(1);
  });

  it('takes Files without the Node platform (the browser way)', async () => {
    const { ctx, sent } = wireContext();
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(18))
      .post('/api/tasks/18/data/')
      .times(3)
      .reply(function () {
        return this.req.headers['upload-finish']
          ? [202, { rq_id: 'rq-18' }]
          : this.req.headers['upload-start']
            ? [202]
            : [200];
      })
      .get('/api/requests/rq-18')
      .reply(200, requestBody('rq-18', 'finished'))
      .get('/api/tasks/18')
      .reply(200, taskBody(18, { size: 1 }));
    const file = new File([Buffer.from('gif')], 'f.gif', { type: 'image/gif' });
    const task = await firstValueFrom(
      createTaskFromData({ ...ctx, platform: undefined }, { spec, resources: [file] }),
    );
    expect(task.id).toBe(18);
    expect(sent.map((s) => s.line)).toContain('POST /api/tasks/18/data/ [upload-multiple]');
  });

  it('sends a large file by TUS (create, PATCH chunks) between Upload-Start and Upload-Finish', async () => {
    const { ctx, sent } = wireContext();
    const offsets: string[] = [];
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(9))
      .post('/api/tasks/9/data/')
      .matchHeader('upload-start', 'true')
      .reply(202)
      .post('/api/tasks/9/data/')
      .matchHeader('upload-length', '12')
      .matchHeader('origin', HOST)
      .reply(201, '', { Location: `${HOST}/api/tasks/9/data/0f0e`, 'Upload-Filename': 'big.bin' })
      .patch('/api/tasks/9/data/0f0e')
      .times(3)
      .reply(function () {
        const offset = Number(this.req.headers['upload-offset']);
        offsets.push(String(offset));
        return [204, '', { 'Upload-Offset': String(Math.min(12, offset + 5)) }];
      })
      .post('/api/tasks/9/data/')
      .matchHeader('upload-finish', 'true')
      .reply(202, { rq_id: 'rq-9' })
      .get('/api/requests/rq-9')
      .reply(200, requestBody('rq-9', 'finished'))
      .get('/api/tasks/9')
      .reply(200, taskBody(9, { size: 1 }));
    const task = await firstValueFrom(
      createTaskFromData(
        ctx,
        { spec, resources: [{ name: 'big.bin', data: Buffer.alloc(12, 7) }] },
        { upload: { maxRequestSize: 4, chunkSize: 5 } },
      ),
    );
    expect(task.id).toBe(9);
    expect(offsets).toEqual(['0', '5', '10']);
    expect(sent.map((s) => s.line)).toEqual([
      'POST /api/tasks',
      'POST /api/tasks/9/data/ [upload-start]',
      'POST /api/tasks/9/data/ [upload-length]',
      'PATCH /api/tasks/9/data/0f0e',
      'PATCH /api/tasks/9/data/0f0e',
      'PATCH /api/tasks/9/data/0f0e',
      'POST /api/tasks/9/data/ [upload-finish]',
      'GET /api/requests/rq-9',
      'GET /api/tasks/9',
    ]);
  });
});

it('a Readable of a known size goes by TUS, read forwards', async () => {
  const { ctx, sent } = wireContext();
  const received: Buffer[] = [];
  nock(HOST)
    .post('/api/tasks')
    .reply(201, taskBody(10))
    .post('/api/tasks/10/data/')
    .matchHeader('upload-start', 'true')
    .reply(202)
    .post('/api/tasks/10/data/')
    .matchHeader('upload-length', '6')
    .reply(201, '', { Location: `${HOST}/api/tasks/10/data/s1`, 'Upload-Filename': 'stream.png' })
    .patch('/api/tasks/10/data/s1', (body: string) => {
      received.push(Buffer.from(body));
      return true;
    })
    .reply(204, '', { 'Upload-Offset': '6' })
    .post('/api/tasks/10/data/')
    .matchHeader('upload-finish', 'true')
    .reply(202, { rq_id: 'rq-10' })
    .get('/api/requests/rq-10')
    .reply(200, requestBody('rq-10', 'finished'))
    .get('/api/tasks/10')
    .reply(200, taskBody(10, { size: 1 }));
  const stream = Readable.from([Buffer.from('abc'), Buffer.from('def')]);
  await firstValueFrom(
    createTaskFromData(ctx, { spec, resources: [{ name: 'stream.png', stream, size: 6 }] }),
  );
  expect(Buffer.concat(received).toString()).toBe('abcdef');
  expect(sent.some((s) => s.line.includes('[upload-multiple]'))).toBe(false);
});

describe('createTaskFromData, share and remote', () => {
  it.each([
    [ResourceType.Share, 'server_files', ['images/a.jpg', 'images/']],
    [ResourceType.Remote, 'remote_files', ['https://example.org/a.jpg']],
  ])('%s: one JSON POST with %s, then processing', async (resourceType, field, resources) => {
    const { ctx, sent } = wireContext();
    let body: unknown;
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(11))
      .post('/api/tasks/11/data/', (b) => {
        body = b;
        return true;
      })
      .reply(202, { rq_id: 'rq-11' })
      .get('/api/requests/rq-11')
      .reply(200, requestBody('rq-11', 'finished'))
      .get('/api/tasks/11')
      .reply(200, taskBody(11, { size: 2 }));
    await firstValueFrom(
      createTaskFromData(ctx, {
        spec,
        resourceType,
        resources,
        dataParams: { cloud_storage_id: 3, use_cache: true },
      }),
    );
    expect(body).toEqual({ image_quality: 70, cloud_storage_id: 3, use_cache: true, [field]: resources });
    expect(sent.map((s) => s.line)).toEqual([
      'POST /api/tasks',
      'POST /api/tasks/11/data/',
      'GET /api/requests/rq-11',
      'GET /api/tasks/11',
    ]);
  });
});

describe('createTaskFromData: bad input is a UsageError before any request', () => {
  const cases: Array<[string, Parameters<typeof createTaskFromData>[1]]> = [
    ['no files', { spec, resources: [] }],
    ['a missing file', { spec, resources: ['/nonexistent/x.jpg'] }],
    ['a directory', { spec, resources: [tmpdir()] }],
    [
      'two files with one name',
      {
        spec,
        resources: [
          { name: 'a.jpg', data: Buffer.from('1') },
          { name: 'a.jpg', data: Buffer.from('2') },
        ],
      },
    ],
    [
      'project_id with labels',
      { spec: { ...spec, project_id: 3 }, resources: [{ name: 'a', data: Buffer.from('1') }] },
    ],
    ['an invalid spec', { spec: { name: 5 } as never, resources: [{ name: 'a', data: Buffer.from('1') }] }],
    ['an empty name', { spec: { name: ' ' }, resources: [{ name: 'a', data: Buffer.from('1') }] }],
    [
      'an unknown data parameter',
      { spec, resources: [{ name: 'a', data: Buffer.from('1') }], dataParams: { qualty: 5 } as never },
    ],
    [
      'a bad frame_step',
      { spec, resources: [{ name: 'a', data: Buffer.from('1') }], dataParams: { frame_step: 0 } },
    ],
    ...(
      [
        ['chunk_size 0', { chunk_size: 0 }],
        ['start_frame after stop_frame', { start_frame: 3, stop_frame: 1 }],
        ['a file twice in job_file_mapping', { job_file_mapping: [['a'], ['a']] }],
        ['a frame_filter without step=N', { frame_filter: 'every=2' }],
      ] as const
    ).map(([name, dataParams]): [string, Parameters<typeof createTaskFromData>[1]] => [
      // CVAT's DataSerializer refuses these after the task exists: caught before any request.
      name,
      { spec, resources: [{ name: 'a', data: Buffer.from('1') }], dataParams: dataParams as never },
    ]),
    ['an empty share path', { spec, resourceType: ResourceType.Share, resources: [''] }],
    [
      'a missing annotation file',
      { spec, resources: [{ name: 'a', data: Buffer.from('1') }], annotationPath: '/nope.xml' },
    ],
  ];
  it.each(cases)('%s', async (_name, params) => {
    const { ctx, sent } = wireContext();
    await expect(firstValueFrom(createTaskFromData(ctx, params))).rejects.toBeInstanceOf(UsageError);
    expect(sent).toEqual([]);
  });

  it('says how to read paths without the Node platform', async () => {
    const { ctx } = wireContext();
    const browserCtx = { ...ctx, platform: undefined };
    await expect(
      firstValueFrom(createTaskFromData(browserCtx, { spec, resources: ['a.jpg'] })),
    ).rejects.toThrow(/Node platform/);
  });
});

describe('createTaskFromData: a failure after the task was created', () => {
  const failing = (id: number) =>
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(id))
      .post(`/api/tasks/${id}/data/`)
      .reply(202, { rq_id: `rq-${id}` })
      .get(`/api/requests/rq-${id}`)
      .reply(200, requestBody(`rq-${id}`, 'failed', { message: 'No media data found' }));

  it('removes the half-made task and says so, keeping the original error as cause', async () => {
    const { ctx, sent } = wireContext();
    failing(12).delete('/api/tasks/12').reply(204);
    const error: unknown = await firstValueFrom(
      createTaskFromData(ctx, { spec, resourceType: ResourceType.Share, resources: ['a.jpg'] }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskCreationError);
    const failure = error as TaskCreationError;
    expect(failure.removed).toBe(true);
    expect(failure.taskId).toBe(12);
    expect(failure.message).toMatch(/task 12 was removed/);
    expect(failure.message).toMatch(/No media data found/);
    expect(failure.cause).toBeInstanceOf(RequestFailedError);
    expect(sent.at(-1)?.line).toBe('DELETE /api/tasks/12');
  });

  it('leaves the task with cleanupOnError: false', async () => {
    const { ctx, sent } = wireContext();
    failing(13);
    const error = await firstValueFrom(
      createTaskFromData(
        ctx,
        { spec, resourceType: ResourceType.Share, resources: ['a.jpg'] },
        { cleanupOnError: false },
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskCreationError);
    expect((error as TaskCreationError).removed).toBe(false);
    expect((error as TaskCreationError).message).toMatch(/task 13 was left on the server/);
    expect(sent.some((s) => s.line.startsWith('DELETE'))).toBe(false);
  });

  it('reports a cleanup that failed too', async () => {
    const { ctx } = wireContext();
    failing(14).delete('/api/tasks/14').reply(403, { detail: 'nope' });
    const error = await firstValueFrom(
      createTaskFromData(ctx, { spec, resourceType: ResourceType.Share, resources: ['a.jpg'] }),
    ).catch((e: unknown) => e);
    expect((error as TaskCreationError).removed).toBe(false);
    expect((error as TaskCreationError).message).toMatch(/task 14 could not be removed/);
  });

  it('removes the task when the upload itself fails', async () => {
    const { ctx } = wireContext();
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(15))
      .post('/api/tasks/15/data/')
      .reply(400, { detail: 'bad' })
      .delete('/api/tasks/15')
      .reply(204);
    const error = await firstValueFrom(
      createTaskFromData(ctx, { spec, resources: [{ name: 'a.jpg', data: Buffer.from('x') }] }),
    ).catch((e: unknown) => e);
    expect((error as TaskCreationError).removed).toBe(true);
    expect(nock.isDone()).toBe(true);
  });
});

describe('cancellation', () => {
  it('during the upload: aborts, sends nothing more, no cleanup', async () => {
    const { ctx, sent } = wireContext();
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(16))
      .post('/api/tasks/16/data/')
      .delay(60_000)
      .reply(202);
    const subscription = createTaskFromData(ctx, {
      spec,
      resources: [{ name: 'a.jpg', data: Buffer.from('x') }],
    }).subscribe();
    while (sent.length < 2) await tick();
    subscription.unsubscribe();
    for (let i = 0; i < 20; i++) await tick();
    expect(sent.map((s) => s.line)).toEqual(['POST /api/tasks', 'POST /api/tasks/16/data/ [upload-start]']);
  });

  it('during processing: stops polling at once', async () => {
    const { ctx, sent } = wireContext();
    nock(HOST)
      .post('/api/tasks')
      .reply(201, taskBody(17))
      .post('/api/tasks/17/data/')
      .reply(202, { rq_id: 'rq-17' })
      .get('/api/requests/rq-17')
      .times(1000)
      .reply(200, requestBody('rq-17', 'started'));
    const events: unknown[] = [];
    const subscription = createTaskFromData(
      ctx,
      { spec, resourceType: ResourceType.Share, resources: ['a.jpg'] },
      { observe: 'events' },
    ).subscribe((e) => events.push(e));
    while (events.length === 0) await tick();
    subscription.unsubscribe();
    const count = sent.length;
    for (let i = 0; i < 50; i++) await tick();
    expect(sent.length).toBe(count);
    expect(sent.some((s) => s.line.startsWith('DELETE'))).toBe(false);
  });
});

describe('uploadTaskData', () => {
  it('uploads to an existing task and emits it fresh', async () => {
    const { ctx, sent } = wireContext();
    nock(HOST)
      .post('/api/tasks/20/data/')
      .times(3)
      .reply(function () {
        return this.req.headers['upload-finish']
          ? [202, { rq_id: 'rq-20' }]
          : this.req.headers['upload-start']
            ? [202]
            : [200];
      })
      .get('/api/requests/rq-20')
      .reply(200, requestBody('rq-20', 'finished'))
      .get('/api/tasks/20')
      .reply(200, taskBody(20, { size: 1 }));
    const task = await firstValueFrom(
      uploadTaskData(ctx, 20, { resources: [{ name: 'a.jpg', data: Buffer.from('x') }] }),
    );
    expect(task.size).toBe(1);
    expect(sent.map((s) => s.line)).toEqual([
      'POST /api/tasks/20/data/ [upload-start]',
      'POST /api/tasks/20/data/ [upload-multiple]',
      'POST /api/tasks/20/data/ [upload-finish]',
      'GET /api/requests/rq-20',
      'GET /api/tasks/20',
    ]);
  });
});
