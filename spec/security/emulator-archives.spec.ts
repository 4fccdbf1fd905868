import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readZip, ZipError, ZipTooLargeError } from '../../src/emulator/data/zip';
import { checkRelativeName, resolveUnder, UnsafePathError } from '../../src/emulator/safe-path';
import { DecodeError } from '../../src/errors';
import { unzip } from '../../src/entities/operations/unzip';
import type { RunningEmulator } from '../../src/emulator';
import type { Api } from '../emulator/helpers';
import { obj, png, withEmulator } from '../emulator/helpers';
import { filesUnder, rawZip, taskBackup } from './support/emulator-files';

/**
 * Hostile archives and names against the emulator (#14.1, #14.3): nothing may be written outside
 * its folders, nothing half-made may stay behind, and every refusal is a 4xx, never a 500.
 */
const DEEP = '../'.repeat(40);

describe('one checked path function for every client-supplied name', () => {
  it.each([
    '../x',
    'a/../../x',
    '/etc/passwd',
    'C:/Windows/x',
    'C:x',
    '..\\..\\x',
    'a\\b',
    'a//b',
    './a',
    'a/./b',
    'a/',
    '',
    'evil\u0000.png',
    'a\r\nb',
    `${'x'.repeat(256)}.png`,
  ])('refuses %j', (name) => {
    expect(() => checkRelativeName(name)).toThrow(UnsafePathError);
    expect(() => resolveUnder('/root', name)).toThrow(UnsafePathError);
  });

  it.each(['a.png', 'sub/dir/a.png', '写真.png', '..a.png', 'a..png', 'C', '12:30.png'])(
    'accepts %j',
    (name) => {
      expect(resolveUnder('/root', name).startsWith('/root/')).toBe(true);
    },
  );

  it('no name of any shape resolves outside the root', () => {
    const parts = fc.constantFrom('..', '.', '', 'a', 'b.png', '\\', ':', 'C:', '/', '\u0000', '%2e%2e');
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 8 }), fc.constantFrom('/', '\\', ''), (segs, join) => {
        const name = segs.join(join);
        try {
          const path = resolveUnder('/srv/root', name);
          return path.startsWith('/srv/root/');
        } catch (e) {
          return e instanceof UnsafePathError && e.status === 400;
        }
      }),
      { numRuns: 2_000, seed: 1414 },
    );
  });
});

describe('emulator: hostile archives', () => {
  let running: RunningEmulator;
  let api: Api;
  let outside: string;
  const errors: unknown[] = [];

  beforeEach(async () => {
    errors.length = 0;
    outside = mkdtempSync(join(tmpdir(), 'cvat-rx-outside-'));
    ({ emu: running, api } = await withEmulator({ onError: (e) => errors.push(e) }));
  });
  afterEach(async () => {
    await running.close();
    rmSync(outside, { recursive: true, force: true });
  });

  const tempDir = (): string => running.emulator.state.tempDir;
  const taskCount = async (): Promise<number> => Number(obj((await api.get('/api/tasks')).body).count);
  const postBackup = (zip: Buffer, resource = 'tasks') => {
    const form = new FormData();
    form.append(
      resource === 'tasks' ? 'task_file' : 'project_file',
      new Blob([new Uint8Array(zip)]),
      'b.zip',
    );
    return api.call('POST', `/api/${resource}/backup/`, { body: form });
  };
  /** The absolute path `target` as a zip entry name that climbs out of any folder. */
  const escapeTo = (prefix: string, target: string): string => `${prefix}${DEEP}${target.slice(1)}`;

  it('a task backup with data/../../x entries answers 400, writes nothing and leaves no task', async () => {
    const target = join(outside, 'pwned', 'x.png');
    const zip = taskBackup([
      { name: 'data/../../x.png', data: png(2, 2) },
      { name: escapeTo('data/', target), data: png(2, 2) },
    ]);
    const before = filesUnder(tempDir()).length;
    const r = await postBackup(zip);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/not allowed/);
    expect(existsSync(join(outside, 'pwned'))).toBe(false);
    expect(filesUnder(outside)).toEqual([]);
    // Only the uploaded archive itself arrived; nothing was extracted anywhere.
    const written = filesUnder(tempDir());
    expect(written.filter((f) => f.path.endsWith('x.png'))).toEqual([]);
    expect(written.length).toBe(before + 1);
    expect(await taskCount()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a hostile name outside data/ is refused too (the whole archive is checked first)', async () => {
    const r = await postBackup(taskBackup([{ name: '../../notes.txt', data: Buffer.from('x') }]));
    expect(r.status).toBe(400);
    expect(await taskCount()).toBe(0);
  });

  it('a project backup with a climbing task entry answers 400 and leaves no project', async () => {
    const task = readZip(taskBackup([{ name: escapeTo('data/', join(outside, 'p.png')), data: png(2, 2) }]));
    const project = {
      name: 'p',
      version: '1.0',
      labels: [{ name: 'car', color: '#ff0000', attributes: [], type: 'any', svg: '', sublabels: [] }],
    };
    const zip = rawZip([
      { name: 'project.json', data: Buffer.from(JSON.stringify(project)) },
      ...task.map((e) => ({ name: `task_0/${e.name}`, data: e.read() })),
    ]);
    const r = await postBackup(zip, 'projects');
    expect(r.status).toBe(400);
    expect(filesUnder(outside)).toEqual([]);
    expect(obj((await api.get('/api/projects')).body).count).toBe(0);
    expect(await taskCount()).toBe(0);
  });

  it('a backup whose media is not an image fails its request and leaves no task and no files', async () => {
    const zip = taskBackup([{ name: 'data/b.png', data: Buffer.from('not an image') }], ['a.png']);
    const r = await postBackup(zip);
    expect(r.status).toBe(202);
    const rq = await api.wait(obj(r.body).rq_id as string);
    expect(rq.status).toBe('failed');
    expect(await taskCount()).toBe(0);
    expect(filesUnder(tempDir()).filter((f) => /restored/.test(f.path))).toEqual([]);
  });

  it('task data from a zip never keeps a climbing entry name as a frame name', async () => {
    const task = obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'car' }] })).body);
    const zip = rawZip([
      { name: 'ok.png', data: png(2, 2) },
      { name: escapeTo('', join(outside, 'frame.png')), data: png(2, 2) },
    ]);
    const form = new FormData();
    form.append('client_files[0]', new Blob([new Uint8Array(zip)]), 'images.zip');
    form.append('image_quality', '70');
    const r = await api.call('POST', `/api/tasks/${String(task.id)}/data/`, { body: form });
    const rq = await api.wait(obj(r.body).rq_id as string);
    expect(rq.status).toBe('failed');
    expect(String(rq.message)).toMatch(/not allowed/);
    expect(obj((await api.get(`/api/tasks/${String(task.id)}`)).body).size).toBe(0);
    expect(filesUnder(outside)).toEqual([]);
    expect(filesUnder(tempDir()).filter((f) => f.path.endsWith('frame.png'))).toEqual([]);
  });

  it("the emulator's own backup of a task made from a zip with folders restores inside its folder", async () => {
    const task = obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'car' }] })).body);
    const zip = rawZip([
      { name: 'sub/a.png', data: png(2, 2) },
      { name: 'b.png', data: png(3, 2) },
    ]);
    const form = new FormData();
    form.append('client_files[0]', new Blob([new Uint8Array(zip)]), 'images.zip');
    form.append('image_quality', '70');
    const r = await api.call('POST', `/api/tasks/${String(task.id)}/data/`, { body: form });
    expect((await api.wait(obj(r.body).rq_id as string)).status).toBe('finished');
    const meta = obj((await api.get(`/api/tasks/${String(task.id)}/data/meta`)).body);
    expect((meta.frames as Array<{ name: string }>).map((f) => f.name).sort()).toEqual([
      'b.png',
      'sub/a.png',
    ]);

    const exported = await api.post(`/api/tasks/${String(task.id)}/backup/export`);
    const done = await api.wait(obj(exported.body).rq_id as string);
    const backup = (await api.get(String(done.result_url))).bytes;
    const restored = await postBackup(backup);
    expect(restored.status).toBe(202);
    const rq = await api.wait(obj(restored.body).rq_id as string);
    expect(rq.status).toBe('finished');
    expect(filesUnder(outside)).toEqual([]);
  });

  it('TUS and multipart names that climb are 400s and write nothing', async () => {
    const task = obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'car' }] })).body);
    const url = `/api/tasks/${String(task.id)}/data/`;
    for (const name of ['../../evil.png', escapeTo('', join(outside, 'tus.png')), 'a\\..\\..\\evil.png']) {
      const r = await api.call('POST', url, {
        headers: {
          'Upload-Length': '10',
          'Upload-Metadata': `filename ${Buffer.from(name).toString('base64')}`,
          'Tus-Resumable': '1.0.0',
        },
      });
      expect(r.status).toBe(400);
    }
    const boundary = 'XyZ';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="client_files[0]"; filename="${escapeTo('', join(outside, 'mp.png'))}"\r\n\r\n`,
      ),
      png(2, 2),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await api.call('POST', url, {
      body: new Uint8Array(body),
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(r.status).toBe(400);
    expect(filesUnder(outside)).toEqual([]);
    expect(filesUnder(tempDir()).filter((f) => /evil|tus|mp\.png/.test(f.path))).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('emulator: share paths', () => {
  let running: RunningEmulator;
  let api: Api;
  let share: string;
  let outside: string;

  beforeEach(async () => {
    share = mkdtempSync(join(tmpdir(), 'cvat-rx-share-'));
    outside = mkdtempSync(join(tmpdir(), 'cvat-rx-outside-'));
    writeFileSync(join(outside, 'secret.png'), png(5, 5));
    mkdirSync(join(share, 'images'));
    writeFileSync(join(share, 'images', 'a.png'), png(2, 2));
    symlinkSync(outside, join(share, 'link'));
    ({ emu: running, api } = await withEmulator({ shareDir: share }));
  });
  afterEach(async () => {
    await running.close();
    rmSync(share, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  const createWith = async (files: string[]) => {
    const task = obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'car' }] })).body);
    return api.post(`/api/tasks/${String(task.id)}/data/`, { server_files: files, image_quality: 70 });
  };

  it('refuses share paths that climb out, directly or through a symbolic link', async () => {
    for (const files of [['../secret.png'], ['images/../../x'], ['link/secret.png'], ['link']]) {
      const r = await createWith(files);
      expect([r.status, files]).toEqual([400, files]);
    }
    expect((await api.get('/api/server/share?directory=/link/')).status).toBe(400);
    expect((await api.get('/api/server/share?directory=/../')).status).toBe(400);
  });

  it('still serves what is inside (leading and trailing slashes as CVAT sends them)', async () => {
    const r = await createWith(['/images/']);
    expect(r.status).toBe(202);
    expect((await api.wait(obj(r.body).rq_id as string)).status).toBe('finished');
    const listed = (await api.get('/api/server/share?directory=/images/')).body as Array<{ name: string }>;
    expect(listed.map((e) => e.name)).toEqual(['a.png']);
  });
});

describe('zip bombs and malformed archives', () => {
  it('the emulator refuses an entry by its declared size before inflating anything', () => {
    const zip = rawZip([
      { name: 'big.bin', data: Buffer.alloc(10), deflate: true, declaredSize: 600 * 1024 * 1024 },
    ]);
    expect(() => readZip(zip)).toThrow(ZipTooLargeError);
    const many = rawZip(
      Array.from({ length: 9 }, (_, i) => ({
        name: `${i}.bin`,
        data: Buffer.alloc(4),
        deflate: true,
        declaredSize: 500 * 1024 * 1024,
      })),
    );
    expect(() => readZip(many)).toThrow(ZipTooLargeError);
  });

  it('the emulator stops inflating at the declared size when the header lies', () => {
    const zip = rawZip([
      { name: 'a.png', data: Buffer.alloc(8 * 1024 * 1024), deflate: true, declaredSize: 1000 },
    ]);
    const [entry] = readZip(zip);
    let error: unknown;
    try {
      entry!.read();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ZipTooLargeError);
    expect((error as ZipTooLargeError).status).toBe(413);
  });

  it('a restore of a bomb leaves no task and no inflated file on disk', async () => {
    const { emu: running, api } = await withEmulator();
    try {
      // A PNG header followed by 32 MiB of zeros, declared as 2 KiB: a real image probe would pass.
      const bomb = Buffer.concat([png(2, 2), Buffer.alloc(32 * 1024 * 1024)]);
      const zip = taskBackup([{ name: 'data/b.png', data: bomb, deflate: true, declaredSize: 2048 }]);
      expect(zip.length).toBeLessThan(1024 * 1024);
      const form = new FormData();
      form.append('task_file', new Blob([new Uint8Array(zip)]), 'b.zip');
      const r = await api.call('POST', '/api/tasks/backup/', { body: form });
      const rq = r.status === 202 ? await api.wait(obj(r.body).rq_id as string) : { status: 'refused' };
      expect(rq.status).not.toBe('finished');
      expect(Number(obj((await api.get('/api/tasks')).body).count)).toBe(0);
      const big = filesUnder(running.emulator.state.tempDir).filter((f) => f.size > zip.length);
      expect(big).toEqual([]);
    } finally {
      await running.close();
    }
  });

  it('malformed archives are ZipErrors (400), never RangeErrors', () => {
    const valid = taskBackup();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: valid.length }),
        (at, byte, cut) => {
          const broken = Buffer.from(valid.subarray(0, cut));
          if (at < broken.length) broken[at] = byte;
          try {
            for (const e of readZip(broken)) e.read();
            return true;
          } catch (e) {
            return (
              (e instanceof ZipError && e.status === 400) ||
              (e instanceof ZipTooLargeError && e.status === 413)
            );
          }
        },
      ),
      { numRuns: 1_500, seed: 1403 },
    );
  });

  it('malformed backups answer 400 over HTTP, with no logged fault', async () => {
    const errors: unknown[] = [];
    const { emu: running, api } = await withEmulator({ onError: (e) => errors.push(e) });
    try {
      const valid = taskBackup();
      for (const cut of [30, 100, valid.length - 30, valid.length - 10]) {
        const form = new FormData();
        form.append('task_file', new Blob([new Uint8Array(valid.subarray(0, cut))]), 'b.zip');
        const r = await api.call('POST', '/api/tasks/backup/', { body: form });
        expect(r.status).toBe(400);
      }
      expect(errors).toEqual([]);
    } finally {
      await running.close();
    }
  });

  it('the client caps chunk inflation by the declared size and by its limits (DecodeError)', async () => {
    const lying = rawZip([
      { name: '0.png', data: Buffer.alloc(4 * 1024 * 1024), deflate: true, declaredSize: 100 },
    ]);
    await expect(unzip(new Uint8Array(lying))).rejects.toBeInstanceOf(DecodeError);
    const honest = rawZip([{ name: '0.png', data: Buffer.alloc(4 * 1024 * 1024), deflate: true }]);
    await expect(
      unzip(new Uint8Array(honest), { maxEntryBytes: 1024 * 1024, maxTotalBytes: 1e9 }),
    ).rejects.toBeInstanceOf(DecodeError);
    const many = rawZip(
      Array.from({ length: 5 }, (_, i) => ({
        name: `${i}.png`,
        data: Buffer.alloc(1024 * 1024),
        deflate: true,
      })),
    );
    await expect(
      unzip(new Uint8Array(many), { maxEntryBytes: 2e6, maxTotalBytes: 3e6 }),
    ).rejects.toBeInstanceOf(DecodeError);
    const ok = await unzip(new Uint8Array(honest));
    expect(ok[0]!.data.length).toBe(4 * 1024 * 1024);
  });

  it('malformed chunks are DecodeErrors on the client, never RangeErrors', async () => {
    const valid = rawZip([
      { name: '0.png', data: png(3, 3), deflate: true },
      { name: '1.png', data: png(4, 4) },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: valid.length }),
        async (at, byte, cut) => {
          const broken = new Uint8Array(valid.subarray(0, cut));
          if (at < broken.length) broken[at] = byte;
          try {
            await unzip(broken);
            return true;
          } catch (e) {
            return e instanceof DecodeError;
          }
        },
      ),
      { numRuns: 600, seed: 1404 },
    );
  });
});
