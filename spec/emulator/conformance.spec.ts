import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { RunningEmulator } from '../../src/emulator';
import { Api, obj, png, results, withEmulator } from './helpers';
import type { Obj, Reply } from './helpers';

/**
 * Runs a full lifecycle through Stoplight Prism validating against CVAT's own OpenAPI document
 * (`prism proxy schema.yml <emulator> --errors`): every request and response that the schema
 * describes must conform, or Prism answers with a violation instead of passing it through.
 *
 * A few exchanges go straight to the emulator because CVAT's schema does not describe them:
 * the TUS create's 201 (with Location/Upload-Filename), TUS PATCH and HEAD on the upload URL,
 * Upload-Start's 202 and Upload-Multiple's 200 (both without a body, as CVAT's UploadMixin
 * answers, although the schema declares a DataResponse body for the 202), and GET of the `result_url` download routes
 * (`/api/.../dataset/download`, `/api/.../backup/download`), which CVAT excludes from its schema,
 * and job frames/chunks, whose media type the schema gets wrong (it declares vnd.cvat+json).
 */
const schema = resolve(__dirname, '../../../shared/cvat/schema.yml');
const prismBin = resolve(__dirname, '../../node_modules/.bin/prism');
const available = existsSync(schema) && existsSync(prismBin);
const describeIf = available ? describe : describe.skip;
if (!available) console.warn(`conformance: skipped (needs ${schema} and ${prismBin})`);

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describeIf('emulator: conformance with CVAT schema through prism proxy', () => {
  let emu: RunningEmulator;
  let prism: ChildProcess;
  let log = '';
  let proxied: Api;
  let direct: Api;
  const violations: string[] = [];

  beforeAll(async () => {
    ({ emu, api: direct } = await withEmulator({ processingDelayMs: 1 }));
    const port = await freePort();
    prism = spawn(prismBin, ['proxy', schema, emu.url, '--errors', '-p', String(port), '-h', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`prism did not start:\n${log}`)), 110_000);
      const onData = (b: Buffer): void => {
        log += b.toString();
        if (log.includes('Prism is listening')) {
          clearTimeout(timer);
          res();
        }
      };
      prism.stdout?.on('data', onData);
      prism.stderr?.on('data', onData);
    });
    proxied = new Api(`http://127.0.0.1:${port}`);
    // Every proxied reply is checked: Prism reports violations as problem+json errors.
    const call = proxied.call.bind(proxied);
    proxied.call = async (method, path, init) => {
      const r: Reply = await call(method, path, init);
      if (/problem\+json/.test(r.headers.get('content-type') ?? '') || r.headers.get('sl-violations')) {
        violations.push(
          `${method} ${path} -> ${r.status} ${r.text.slice(0, 600)} ${r.headers.get('sl-violations') ?? ''}`,
        );
      }
      return r;
    };
  }, 120_000);

  afterAll(async () => {
    prism?.kill('SIGTERM');
    await emu?.close();
  });

  it('runs login, projects, tasks (bulk and TUS), polling, annotations, exports, backups, orgs and pagination with zero violations', async () => {
    const api = proxied;
    // Control: a 404 the schema does not declare is flagged, so the check below is meaningful.
    await api.get('/api/tasks/999999');
    expect(violations).toHaveLength(1);
    violations.length = 0;
    expect((await api.get('/api/server/about')).status).toBe(200);
    const login = await api.post('/api/auth/login', { username: 'admin', password: 'admin' });
    expect(login.status).toBe(200);
    expect((await api.get('/api/users/self')).status).toBe(200);
    expect((await api.get('/api/users')).status).toBe(200);

    const org = await api.post('/api/organizations', { slug: 'conf', name: 'Conformance' });
    expect(org.status).toBe(201);
    const project = await api.post('/api/projects', {
      name: 'p',
      labels: [
        {
          name: 'car',
          attributes: [
            {
              name: 'color',
              mutable: true,
              input_type: 'select',
              default_value: 'red',
              values: ['red', 'blue'],
            },
          ],
        },
        { name: 'sk', type: 'skeleton', svg: '', sublabels: [{ name: 'n', type: 'points' }] },
      ],
    });
    expect(project.status).toBe(201);
    const projectId = obj(project.body).id as number;
    expect((await api.patch(`/api/projects/${projectId}`, { bug_tracker: 'http://bugs' })).status).toBe(200);

    // Task from bulk upload: Upload-Finish through the proxy, Upload-Start and Upload-Multiple direct.
    const t1 = obj(
      (await api.post('/api/tasks', { name: 'bulk', project_id: projectId, segment_size: 2 })).body,
    );
    expect(
      (
        await direct.call('POST', `/api/tasks/${String(t1.id)}/data/`, {
          json: { image_quality: 70 },
          headers: { 'Upload-Start': '' },
        })
      ).status,
    ).toBe(202);
    const form = new FormData();
    for (let i = 0; i < 3; i++)
      form.append(`client_files[${i}]`, new Blob([new Uint8Array(png(8 + i, 6))]), `${i}.png`);
    expect(
      (
        await direct.call('POST', `/api/tasks/${String(t1.id)}/data/`, {
          body: form,
          headers: { 'Upload-Multiple': '' },
        })
      ).status,
    ).toBe(200);
    const fin = await api.call('POST', `/api/tasks/${String(t1.id)}/data/`, {
      json: { image_quality: 70, sorting_method: 'lexicographical' },
      headers: { 'Upload-Finish': '' },
    });
    expect(fin.status).toBe(202);
    const rqId = obj(fin.body).rq_id as string;
    expect((await api.wait(rqId)).status).toBe('finished');
    expect((await api.get(`/api/tasks/${String(t1.id)}/status`)).status).toBe(200);

    // Task from a TUS upload: create, PATCH and HEAD go direct (not in the schema).
    const t2 = obj((await api.post('/api/tasks', { name: 'tus', labels: [{ name: 'a' }] })).body);
    const data = png(40, 30);
    const created = await direct.call('POST', `/api/tasks/${String(t2.id)}/data/`, {
      headers: {
        'Upload-Length': String(data.length),
        'Upload-Metadata': `filename ${Buffer.from('big.png').toString('base64')}`,
        'Tus-Resumable': '1.0.0',
      },
    });
    const loc = created.headers.get('location')!;
    expect(
      (
        await direct.call('PATCH', loc, {
          body: new Uint8Array(data),
          headers: {
            'Upload-Offset': '0',
            'Content-Type': 'application/offset+octet-stream',
            'Tus-Resumable': '1.0.0',
          },
        })
      ).status,
    ).toBe(204);
    expect((await direct.call('HEAD', loc)).headers.get('upload-offset')).toBe(String(data.length));
    const fin2 = await api.call('POST', `/api/tasks/${String(t2.id)}/data/`, {
      json: { image_quality: 70 },
      headers: { 'Upload-Finish': '' },
    });
    expect((await api.wait(obj(fin2.body).rq_id as string)).status).toBe('finished');

    for (const path of [
      `/api/tasks/${String(t1.id)}`,
      `/api/tasks/${String(t1.id)}/data/meta`,
      `/api/jobs?task_id=${String(t1.id)}`,
      `/api/labels?project_id=${projectId}`,
      '/api/requests',
      `/api/requests/${encodeURIComponent(rqId)}`,
      `/api/projects/${projectId}`,
      '/api/server/annotation/formats',
      '/api/server/plugins',
    ]) {
      expect((await api.get(path)).status).toBe(200);
    }
    expect(
      (await api.get(`/api/tasks/${String(t1.id)}/data/?type=frame&number=0&quality=original`)).status,
    ).toBe(200);
    const jobs = results((await api.get(`/api/jobs?task_id=${String(t1.id)}&sort=id`)).body);
    expect((await api.get(`/api/jobs/${String(jobs[0]!.id)}/data/meta`)).status).toBe(200);
    expect((await api.patch(`/api/jobs/${String(jobs[0]!.id)}`, { state: 'in progress' })).status).toBe(200);

    // Annotations round trip.
    const labels = results((await api.get(`/api/labels?task_id=${String(t1.id)}`)).body);
    const car = labels.find((l) => l.name === 'car')!;
    const put = await api.put(`/api/tasks/${String(t1.id)}/annotations/`, {
      version: 0,
      tags: [],
      tracks: [],
      shapes: [
        {
          type: 'rectangle',
          frame: 0,
          label_id: car.id,
          points: [1, 2, 3, 4],
          occluded: false,
          z_order: 0,
          attributes: [],
        },
      ],
    });
    expect(put.status).toBe(200);
    expect((await api.get(`/api/tasks/${String(t1.id)}/annotations/`)).status).toBe(200);
    expect(
      (
        await api.call('PATCH', `/api/jobs/${String(jobs[0]!.id)}/annotations/?action=create`, {
          json: {
            version: 1,
            tags: [{ frame: 1, label_id: car.id, attributes: [] }],
            shapes: [],
            tracks: [],
          },
        })
      ).status,
    ).toBe(200);
    expect((await api.get(`/api/jobs/${String(jobs[0]!.id)}/annotations/`)).status).toBe(200);

    // Issues and comments.
    const issue = await api.post('/api/issues', {
      job: jobs[0]!.id,
      frame: 0,
      position: [1, 2, 3, 4],
      message: 'check',
    });
    expect(issue.status).toBe(201);
    expect((await api.post('/api/comments', { issue: obj(issue.body).id, message: 'ok' })).status).toBe(201);
    expect((await api.get(`/api/comments?issue_id=${String(obj(issue.body).id)}`)).status).toBe(200);

    // Export and download (the download route is not in the schema: direct).
    const exp = await api.post(
      `/api/tasks/${String(t1.id)}/dataset/export?format=${encodeURIComponent('COCO 1.0')}&save_images=true`,
    );
    expect(exp.status).toBe(202);
    const expRq = await api.wait(obj(exp.body).rq_id as string);
    expect((await direct.get(expRq.result_url as string)).status).toBe(200);

    // Backup and restore (restore through the proxy with a plain multipart upload).
    const bk = await api.post(`/api/tasks/${String(t2.id)}/backup/export`);
    const bkRq = await api.wait(obj(bk.body).rq_id as string);
    const zip = (await direct.get(bkRq.result_url as string)).bytes;
    // Restore as the SDK does: TUS create and PATCH direct, Upload-Finish through the proxy with
    // the server-chosen Upload-Filename. (Prism re-encodes multipart bodies as text, which would
    // corrupt a binary archive, so the file itself never goes through it.)
    const up = await direct.call('POST', '/api/tasks/backup/', {
      headers: {
        'Upload-Length': String(zip.length),
        'Upload-Metadata': `filename ${Buffer.from('b.zip').toString('base64')}`,
      },
    });
    await direct.call('PATCH', up.headers.get('location')!, {
      body: new Uint8Array(zip),
      headers: { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    });
    const restore = await api.call(
      'POST',
      `/api/tasks/backup/?filename=${encodeURIComponent(up.headers.get('upload-filename')!)}`,
      {
        headers: { 'Upload-Finish': '' },
      },
    );
    expect(restore.status).toBe(202);
    const restored = await api.wait(obj(restore.body).rq_id as string);
    expect(restored.status).toBe('finished');
    expect((await api.get(`/api/tasks/${String(restored.result_id)}`)).status).toBe(200);

    // Organization switching.
    expect((await api.get('/api/tasks', { 'X-Organization': 'conf' })).status).toBe(200);
    expect(
      (await api.post('/api/tasks?org=conf', { name: 'org task', labels: [{ name: 'x' }] })).status,
    ).toBe(201);
    expect(results((await api.get('/api/tasks?org=conf')).body)).toHaveLength(1);
    expect((await api.get('/api/memberships?org=conf')).status).toBe(200);

    // Pagination over 250+ tasks (created directly to save time; listed through the proxy).
    for (let i = 0; i < 250; i++)
      await direct.post('/api/tasks', { name: `bulk-${i}`, labels: [{ name: 'l' }] });
    let next: string | null = '/api/tasks?page_size=100';
    let seen = 0;
    while (next) {
      const page: Record<string, unknown> = obj((await api.get(next.replace(/^https?:\/\/[^/]+/, ''))).body);
      seen += (page.results as unknown[]).length;
      next = page.next as string | null;
    }
    expect(seen).toBeGreaterThanOrEqual(254);

    expect((await api.delete(`/api/tasks/${String(t2.id)}`)).status).toBe(204);
    expect((await api.post('/api/auth/logout')).status).toBe(200);
    expect(violations).toEqual([]);
  }, 120_000);

  it('answers every other implemented operation with schema-conformant shapes', async () => {
    const api = proxied;
    violations.length = 0;
    const ok = async (r: Promise<Reply>, status: number): Promise<Obj> => {
      const reply = await r;
      expect(reply.status).toBe(status);
      return obj(reply.body);
    };
    const token = await ok(api.post('/api/auth/access_tokens', { name: 'ci', read_only: true }), 201);
    await ok(api.get('/api/auth/access_tokens'), 200);
    await ok(api.get(`/api/auth/access_tokens/${String(token.id)}`), 200);
    await ok(api.patch(`/api/auth/access_tokens/${String(token.id)}`, { name: 'ci2' }), 200);
    const bearer = new Api(proxied.base, { Authorization: `Bearer ${String(token.value)}` });
    expect((await bearer.get('/api/auth/access_tokens/self')).status).toBe(200);
    expect((await api.delete(`/api/auth/access_tokens/${String(token.id)}`)).status).toBe(204);

    const me = await ok(api.get('/api/users/self'), 200);
    await ok(api.get(`/api/users/${String(me.id)}`), 200);
    await ok(api.patch(`/api/users/${String(me.id)}`, { first_name: 'Ada' }), 200);

    const org = await ok(api.post('/api/organizations', { slug: 'breadth', name: 'B' }), 201);
    await ok(api.get('/api/organizations'), 200);
    await ok(api.get(`/api/organizations/${String(org.id)}`), 200);
    await ok(api.patch(`/api/organizations/${String(org.id)}`, { description: 'd' }), 200);
    const members = results(await ok(api.get('/api/memberships?org=breadth'), 200));
    await ok(api.get(`/api/memberships/${String(members[0]!.id)}`), 200);
    await ok(api.get('/api/invitations'), 200);

    const project = await ok(api.post('/api/projects', { name: 'b', labels: [{ name: 'x' }] }), 201);
    await ok(api.get('/api/projects?page_size=5&sort=-id&search=b'), 200);
    await ok(
      api.post(
        `/api/projects/${String(project.id)}/dataset/export?format=${encodeURIComponent('CVAT for images 1.1')}`,
      ),
      202,
    );
    const bk = await ok(api.post(`/api/projects/${String(project.id)}/backup/export`), 202);
    await api.wait(bk.rq_id as string);

    const task = obj(
      (
        await (async () => {
          const t = await ok(
            api.post('/api/tasks', { name: 'b', labels: [{ name: 'y', attributes: [] }], segment_size: 1 }),
            201,
          );
          const body = new FormData();
          body.append('client_files[0]', new Blob([new Uint8Array(png(4, 4))]), '0.png');
          body.append('client_files[1]', new Blob([new Uint8Array(png(4, 4))]), '1.png');
          await direct.call('POST', `/api/tasks/${String(t.id)}/data/`, {
            body,
            headers: { 'Upload-Multiple': '' },
          });
          const fin = await ok(
            api.call('POST', `/api/tasks/${String(t.id)}/data/`, {
              json: { image_quality: 50 },
              headers: { 'Upload-Finish': '' },
            }),
            202,
          );
          await api.wait(fin.rq_id as string);
          return api.get(`/api/tasks/${String(t.id)}`);
        })()
      ).body,
    );
    await ok(api.patch(`/api/tasks/${String(task.id)}`, { name: 'b2', subset: 'train' }), 200);
    await ok(api.get('/api/tasks?filter=' + encodeURIComponent('{"==":[{"var":"subset"},"train"]}')), 200);
    await ok(api.patch(`/api/tasks/${String(task.id)}/data/meta`, { deleted_frames: [1] }), 200);
    expect((await api.get(`/api/tasks/${String(task.id)}/preview`)).status).toBe(200);
    const labels = results(await ok(api.get(`/api/labels?task_id=${String(task.id)}`), 200));
    await ok(api.get(`/api/labels/${String(labels[0]!.id)}`), 200);
    await ok(api.patch(`/api/labels/${String(labels[0]!.id)}`, { color: '#123456' }), 200);
    await ok(
      api.call('PATCH', `/api/tasks/${String(task.id)}/annotations/?action=create`, {
        json: {
          version: 0,
          tags: [{ frame: 0, label_id: labels[0]!.id, attributes: [] }],
          shapes: [],
          tracks: [],
        },
      }),
      200,
    );
    expect((await api.delete(`/api/tasks/${String(task.id)}/annotations/`)).status).toBe(204);

    const jobs = results(await ok(api.get(`/api/jobs?task_id=${String(task.id)}&sort=id`), 200));
    await ok(api.get(`/api/jobs/${String(jobs[1]!.id)}`), 200);
    await ok(api.patch(`/api/jobs/${String(jobs[1]!.id)}/data/meta`, { deleted_frames: [] }), 200);
    expect(
      // The schema declares job data as application/vnd.cvat+json; CVAT (and the emulator) send the
      // real zip/image type, so this one goes direct.
      (await direct.get(`/api/jobs/${String(jobs[1]!.id)}/data?type=chunk&index=0&quality=compressed`))
        .status,
    ).toBe(200);
    expect((await api.get(`/api/jobs/${String(jobs[1]!.id)}/preview`)).status).toBe(200);
    await ok(
      api.post(`/api/jobs/${String(jobs[1]!.id)}/dataset/export?format=${encodeURIComponent('COCO 1.0')}`),
      202,
    );
    const gt = await ok(
      api.post('/api/jobs', {
        type: 'ground_truth',
        task_id: task.id,
        frame_selection_method: 'manual',
        frames: [0],
      }),
      201,
    );
    expect((await api.delete(`/api/jobs/${String(gt.id)}`)).status).toBe(204);

    const issue = await ok(
      api.post('/api/issues', { job: jobs[0]!.id, frame: 0, position: [1, 1, 2, 2], message: 'm' }),
      201,
    );
    await ok(api.get('/api/issues?sort=id'), 200);
    await ok(api.patch(`/api/issues/${String(issue.id)}`, { resolved: true }), 200);
    const comments = results(await ok(api.get('/api/comments'), 200));
    await ok(api.get(`/api/comments/${String(comments[0]!.id)}`), 200);
    await ok(api.patch(`/api/comments/${String(comments[0]!.id)}`, { message: 'edited' }), 200);
    expect((await api.delete(`/api/comments/${String(comments[0]!.id)}`)).status).toBe(204);
    expect((await api.delete(`/api/issues/${String(issue.id)}`)).status).toBe(204);

    await ok(api.get('/api/requests?sort=-created_date&page_size=3'), 200);
    expect((await api.delete(`/api/labels/${String(labels[0]!.id)}`)).status).toBe(204);
    expect((await api.delete(`/api/projects/${String(project.id)}`)).status).toBe(204);
    expect((await api.delete(`/api/organizations/${String(org.id)}`)).status).toBe(204);
    expect(violations).toEqual([]);
  }, 120_000);
});
