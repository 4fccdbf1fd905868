import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningEmulator } from '../../src/emulator';
import { zipBuffers } from '../../src/emulator/data/zip';
import type { Api } from './helpers';
import { bmp, gif, jpeg, obj, png, results, withEmulator } from './helpers';

describe('emulator: task data uploads', () => {
  let emu: RunningEmulator;
  let api: Api;
  let share: string;

  beforeAll(() => {
    share = mkdtempSync(join(tmpdir(), 'emu-share-'));
    mkdirSync(join(share, 'set'));
    writeFileSync(join(share, 'set', 'x1.png'), png(11, 12));
    writeFileSync(join(share, 'set', 'x2.jpg'), jpeg(640, 480));
  });
  afterAll(() => rmSync(share, { recursive: true, force: true }));
  beforeEach(async () => {
    ({ emu, api } = await withEmulator({ shareDir: share, allowedOrigins: ['http://proxy.example:9999'] }));
  });
  afterEach(() => emu.close());

  const newTask = async (extra: Record<string, unknown> = {}): Promise<number> =>
    obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'car' }], ...extra })).body).id as number;

  const tusCreate = (taskId: number, name: string, length: number, origin?: string) =>
    api.call('POST', `/api/tasks/${taskId}/data/`, {
      headers: {
        'Upload-Length': String(length),
        'Upload-Metadata': `filename ${Buffer.from(name).toString('base64')}`,
        'Tus-Resumable': '1.0.0',
        ...(origin ? { Origin: origin } : {}),
      },
    });

  const patch = (location: string, offset: number, data: Buffer) =>
    api.call('PATCH', location, {
      body: new Uint8Array(data),
      headers: {
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        'Tus-Resumable': '1.0.0',
      },
    });

  it('follows Upload-Start, Upload-Multiple, TUS, Upload-Finish and reads real image sizes', async () => {
    const id = await newTask({ segment_size: 2, overlap: 1 });
    expect(
      (await api.call('POST', `/api/tasks/${id}/data/`, { headers: { 'Upload-Start': 'true' } })).status,
    ).toBe(202);
    const form = new FormData();
    form.append('client_files[0]', new Blob([new Uint8Array(png(10, 20))]), 'b.png');
    form.append('client_files[1]', new Blob([new Uint8Array(jpeg(320, 200))]), 'a.jpg');
    form.append('client_files[2]', new Blob([new Uint8Array(bmp(7, 9))]), 'c.bmp');
    expect(
      (
        await api.call('POST', `/api/tasks/${id}/data/`, {
          body: form,
          headers: { 'Upload-Multiple': 'true' },
        })
      ).status,
    ).toBe(200);
    const g = gif(33, 44);
    const created = await tusCreate(id, 'd.gif', g.length);
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${emu.url}/api/tasks/${id}/data/[0-9a-f-]{36}$`));
    expect(created.headers.get('upload-filename')).toBe('d.gif');
    const done = await patch(location, 0, g);
    expect(done.status).toBe(204);
    expect(done.headers.get('upload-offset')).toBe(String(g.length));
    const finish = new FormData();
    finish.append('image_quality', '75');
    const fin = await api.call('POST', `/api/tasks/${id}/data/`, {
      body: finish,
      headers: { 'Upload-Finish': 'true' },
    });
    expect(fin.status).toBe(202);
    const rqId = obj(fin.body).rq_id as string;
    const rq = await api.wait(rqId);
    expect(rq).toMatchObject({
      status: 'finished',
      progress: 1,
      result_id: id,
      operation: expect.objectContaining({ type: 'create:task', task_id: id }),
    });
    const meta = obj((await api.get(`/api/tasks/${id}/data/meta`)).body);
    expect(meta.frames).toEqual([
      { name: 'a.jpg', width: 320, height: 200, related_files: 0, has_related_context: false },
      { name: 'b.png', width: 10, height: 20, related_files: 0, has_related_context: false },
      { name: 'c.bmp', width: 7, height: 9, related_files: 0, has_related_context: false },
      { name: 'd.gif', width: 33, height: 44, related_files: 0, has_related_context: false },
    ]);
    expect(meta).toMatchObject({ size: 4, image_quality: 75, start_frame: 0, stop_frame: 3 });
    const task = obj((await api.get(`/api/tasks/${id}`)).body);
    expect(task).toMatchObject({
      size: 4,
      segment_size: 2,
      overlap: 1,
      mode: 'annotation',
      dimension: '2d',
      media_type: 'image',
      data_chunk_size: 72,
    });
    const jobs = results((await api.get(`/api/jobs?task_id=${id}&sort=id`)).body);
    expect(jobs.map((j) => [j.start_frame, j.stop_frame])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    const legacy = await api.get(`/api/tasks/${id}/status`);
    expect(legacy.body).toEqual({ state: 'Finished', message: '', progress: 1 });
  });

  it('builds the TUS Location from Origin, as CVAT does', async () => {
    const id = await newTask();
    const created = await tusCreate(id, 'a.png', 10, 'http://proxy.example:9999');
    expect(created.headers.get('location')).toMatch(
      /^http:\/\/proxy\.example:9999\/api\/tasks\/\d+\/data\/[0-9a-f-]{36}$/,
    );
  });

  it('streams a few MB by TUS in chunks, resumes with HEAD, and keeps every byte', async () => {
    const id = await newTask();
    const header = png(64, 48);
    const data = Buffer.concat([header, randomBytes(5 * 1024 * 1024 + 123)]);
    const created = await tusCreate(id, 'big.png', data.length);
    const location = created.headers.get('location')!;
    const chunk = 1024 * 1024;
    let offset = 0;
    while (offset < data.length) {
      const r = await patch(location, offset, data.subarray(offset, offset + chunk));
      expect(r.status).toBe(204);
      offset = Number(r.headers.get('upload-offset'));
    }
    const head = await api.call('HEAD', location);
    expect(head.headers.get('upload-offset')).toBe(String(data.length));
    expect(head.headers.get('upload-length')).toBe(String(data.length));
    // Upload-Finish with urlencoded data fields, as form-posting clients send them.
    const fin = await api.call('POST', `/api/tasks/${id}/data/`, {
      body: new URLSearchParams({ image_quality: '55' }),
      headers: { 'Upload-Finish': 'true' },
    });
    expect((await api.wait(obj(fin.body).rq_id as string)).status).toBe('finished');
    expect(obj((await api.get(`/api/tasks/${id}/data/meta`)).body).image_quality).toBe(55);
    const frame = await api.get(`/api/tasks/${id}/data?type=frame&number=0&quality=original`);
    expect(frame.headers.get('content-type')).toBe('image/png');
    expect(createHash('sha256').update(frame.bytes).digest('hex')).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
  });

  it('answers 409 on an offset mismatch, 413 past the length, 404 for an unknown upload', async () => {
    const id = await newTask();
    const created = await tusCreate(id, 'a.png', 100);
    const location = created.headers.get('location')!;
    expect((await patch(location, 0, Buffer.alloc(40))).status).toBe(204);
    const mismatch = await patch(location, 0, Buffer.alloc(10));
    expect(mismatch.status).toBe(409);
    // UploadMixin.append_tus_chunk: no body and no Upload-Offset; clients ask with HEAD.
    expect(mismatch.bytes.length).toBe(0);
    expect(mismatch.headers.get('upload-offset')).toBeNull();
    expect((await patch(location, 40, Buffer.alloc(61))).status).toBe(413);
    expect((await api.call('HEAD', location)).headers.get('upload-offset')).toBe('40');
    expect(
      (await api.call('HEAD', `${emu.url}/api/tasks/${id}/data/00000000-0000-0000-0000-000000000000`)).status,
    ).toBe(404);
    expect((await tusCreate(id, 'a.png', 5)).status).toBe(409);
    expect((await tusCreate(id, '../escape.png', 5)).status).toBe(400);
    expect((await tusCreate(id, 'huge.png', 26843545601)).status).toBe(413);
  });

  it('accepts a plain multipart request without Upload-* headers', async () => {
    const task = await api.taskWithImages({ name: 'plain', labels: [{ name: 'a' }] }, [
      ['1.png', png(5, 5)],
      ['2.png', png(6, 6)],
    ]);
    expect(task.size).toBe(2);
  });

  it('takes server_files from the share directory (JSON body)', async () => {
    const id = await newTask();
    const r = await api.post(`/api/tasks/${id}/data/`, { image_quality: 70, server_files: ['set/'] });
    expect(r.status).toBe(202);
    expect((await api.wait(obj(r.body).rq_id as string)).status).toBe('finished');
    const meta = obj((await api.get(`/api/tasks/${id}/data/meta`)).body);
    expect((meta.frames as Array<Record<string, unknown>>).map((f) => [f.name, f.width, f.height])).toEqual([
      ['set/x1.png', 11, 12],
      ['set/x2.jpg', 640, 480],
    ]);
    expect(meta.storage).toBe('share');
    const escape = await api.post(`/api/tasks/${await newTask()}/data/`, {
      image_quality: 70,
      server_files: ['../../etc/passwd'],
    });
    expect(escape.status).toBe(400);
  });

  it('honours sorting_method=predefined with upload_file_order', async () => {
    const task = await api.taskWithImages(
      { name: 'ordered', labels: [{ name: 'a' }] },
      [
        ['b.png', png(2, 2)],
        ['a.png', png(1, 1)],
        ['c.png', png(3, 3)],
      ],
      {
        sorting_method: 'predefined',
        'upload_file_order[0]': 'c.png',
        'upload_file_order[1]': 'a.png',
        'upload_file_order[2]': 'b.png',
      },
    );
    const meta = obj((await api.get(`/api/tasks/${String(task.id)}/data/meta`)).body);
    expect((meta.frames as Array<Record<string, unknown>>).map((f) => f.name)).toEqual([
      'c.png',
      'a.png',
      'b.png',
    ]);
  });

  it('extracts images from an uploaded zip archive', async () => {
    const archive = zipBuffers([
      { name: 'img/2.png', data: png(2, 2) },
      { name: 'img/1.png', data: png(1, 1) },
    ]);
    const task = await api.taskWithImages({ name: 'zip', labels: [{ name: 'a' }] }, [
      ['images.zip', archive],
    ]);
    expect(task.size).toBe(2);
    const meta = obj((await api.get(`/api/tasks/${String(task.id)}/data/meta`)).body);
    expect((meta.frames as Array<Record<string, unknown>>).map((f) => f.name)).toEqual([
      'img/1.png',
      'img/2.png',
    ]);
  });

  it('fails the request (not the upload) for files that are not images', async () => {
    const id = await newTask();
    const form = new FormData();
    form.append('client_files[0]', new Blob([Buffer.from('hello world')]), 'notes.txt');
    form.append('image_quality', '70');
    const r = await api.call('POST', `/api/tasks/${id}/data/`, { body: form });
    expect(r.status).toBe(202);
    const rq = await api.wait(obj(r.body).rq_id as string);
    expect(rq.status).toBe('failed');
    expect(rq.message).toMatch(/notes\.txt/);
    expect((await api.get(`/api/tasks/${id}/status`)).body).toMatchObject({ state: 'Failed' });
    expect(obj((await api.get(`/api/tasks/${id}`)).body).size).toBe(0);
  });

  it('lists queued requests and cancels them', async () => {
    await emu.close();
    ({ emu, api } = await withEmulator({ processingDelayMs: 60_000 }));
    const id = await newTask();
    const r = await api.post(`/api/tasks/${id}/data/`, { image_quality: 70, server_files: [] });
    // No files at all: still accepted, then fails when processed. Here it stays queued.
    const rqId = obj(r.body).rq_id as string;
    const queued = obj((await api.get(`/api/requests/${encodeURIComponent(rqId)}`)).body);
    expect(queued).toMatchObject({
      status: 'queued',
      id: rqId,
      owner: { id: 1, username: 'admin' },
      result_url: null,
    });
    expect(results((await api.get('/api/requests?status=queued')).body)).toHaveLength(1);
    expect((await api.post(`/api/requests/${encodeURIComponent(rqId)}/cancel`)).status).toBe(200);
    expect((await api.get(`/api/requests/${encodeURIComponent(rqId)}`)).status).toBe(404);
  });

  it('rejects remote_files with 501 and adding data twice with 400', async () => {
    const id = await newTask();
    const remote = await api.post(`/api/tasks/${id}/data/`, {
      image_quality: 70,
      remote_files: ['http://example.com/a.jpg'],
    });
    expect(remote.status).toBe(501);
    const task = await api.taskWithImages({ name: 'once', labels: [{ name: 'a' }] }, [['1.png', png(5, 5)]]);
    const again = await api.post(`/api/tasks/${String(task.id)}/data/`, {
      image_quality: 70,
      server_files: ['set/x1.png'],
    });
    expect(again.status).toBe(400);
  });
});

describe('emulator: working directory', () => {
  it('lives under workRoot while running and is removed on close', async () => {
    const root = mkdtempSync(join(tmpdir(), 'emu-root-'));
    try {
      const { emu } = await withEmulator({ workRoot: root });
      const [dir, ...others] = readdirSync(root);
      expect(others).toEqual([]);
      expect(dir).toMatch(/^cvat-emulator-/);
      expect(emu.emulator.state.tempDir).toBe(join(root, dir!));
      await emu.close();
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
