import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { parseMultipart } from '../../src/emulator/data/multipart';
import type { ParseMeter } from '../../src/emulator/data/multipart';
import { HttpError } from '../../src/emulator/errors';
import type { RunningEmulator } from '../../src/emulator';
import { decodeEncodedWords } from '../../src/transfer/encoded-words';
import { fromBytes } from '../../src/transfer/source';
import { tusUpload } from '../../src/transfer/tus';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import { Api, obj, png, withEmulator } from '../emulator/helpers';
import { filesUnder } from './support/emulator-files';

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request with headers fetch() forbids (Host), straight over a socket. */
function raw(
  url: string,
  init: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, method: init.method ?? 'GET', path: init.path, headers: init.headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const BASIC = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

/** Waits (a bounded number of turns, not a time) until `ready` holds. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000 && !ready(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ready()) throw new Error(`never happened: ${what}`);
}

describe('emulator: web pages and Host names (#14.2)', () => {
  let running: RunningEmulator;
  let api: Api;
  const errors: unknown[] = [];

  beforeAll(async () => {
    ({ emu: running, api } = await withEmulator({
      allowedOrigins: ['https://app.example.com'],
      allowedHosts: ['cvat.lan'],
      onError: (e) => errors.push(e),
    }));
  });
  afterAll(() => running.close());

  it('a page on another site can neither read nor log in (403, no CORS headers, no session)', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example', 'file://']) {
      const about = await api.call('GET', '/api/server/about', { headers: { Origin: origin } });
      expect([origin, about.status]).toEqual([origin, 403]);
      expect(about.headers.get('access-control-allow-origin')).toBeNull();
      const login = await new Api(running.url, {}).call('POST', '/api/auth/login', {
        json: { username: 'admin', password: 'admin' },
        headers: { Origin: origin },
      });
      expect(login.status).toBe(403);
      expect(login.headers.get('set-cookie')).toBeNull();
      const preflight = await api.call('OPTIONS', '/api/tasks', {
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
      expect(preflight.status).toBe(403);
    }
    expect(obj((await api.get('/api/tasks')).body).count).toBe(0);
  });

  it('pages on localhost, 127.0.0.1 and [::1] (any port) and configured origins are allowed', async () => {
    for (const origin of [
      'http://localhost:4200',
      'http://127.0.0.1:9',
      'http://[::1]:3000',
      'https://app.example.com',
    ]) {
      const r = await api.call('GET', '/api/server/about', { headers: { Origin: origin } });
      expect([origin, r.status]).toEqual([origin, 200]);
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    }
  });

  it('a Host name other than loopback, an IP, the bound host or allowedHosts is refused (DNS rebinding)', async () => {
    const port = new URL(running.url).port;
    for (const host of [`evil.example:${port}`, 'attacker.test', `localhost.evil.example:${port}`]) {
      const r = await raw(running.url, {
        path: '/api/server/about',
        headers: { Host: host, Authorization: BASIC },
      });
      expect([host, r.status]).toEqual([host, 400]);
      expect(r.body).toMatch(/Invalid HTTP_HOST/);
    }
    // The rebinding page's own origin does not help it either.
    const rebound = await raw(running.url, {
      method: 'POST',
      path: '/api/auth/login',
      headers: {
        Host: `evil.example:${port}`,
        Origin: `http://evil.example:${port}`,
        'Content-Type': 'application/json',
      },
      body: Buffer.from(JSON.stringify({ username: 'admin', password: 'admin' })),
    });
    expect(rebound.status).toBe(400);
    expect(rebound.headers['set-cookie']).toBeUndefined();
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `192.168.1.5:${port}`,
      'cvat.lan',
    ]) {
      const r = await raw(running.url, { path: '/api/server/about', headers: { Host: host } });
      expect([host, r.status]).toEqual([host, 200]);
    }
  });

  it("a page on the emulator's own origin (same Host) is allowed, e.g. reached by its LAN address", async () => {
    const port = new URL(running.url).port;
    const r = await raw(running.url, {
      path: '/api/server/about',
      headers: { Host: `192.168.1.5:${port}`, Origin: `http://192.168.1.5:${port}` },
    });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe(`http://192.168.1.5:${port}`);
    expect(errors).toEqual([]);
  });
});

describe('emulator: multipart bodies (#14.4)', () => {
  const boundary = 'b0undary';
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cvat-rx-mp-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Yields `body` in 64 KiB chunks and counts what the parser pulled. */
  function feed(body: Buffer): { stream: AsyncIterable<Buffer>; pulled: () => number } {
    let pulled = 0;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let at = 0; at < body.length; at += 65536) {
        const c = body.subarray(at, at + 65536);
        pulled += c.length;
        yield c;
        await Promise.resolve();
      }
    }
    return { stream: chunks(), pulled: () => pulled };
  }

  const place = (_field: string, name: string): string => join(dir, name.replace(/[^\w.]/g, '_'));

  async function outcome(p: Promise<unknown>): Promise<number | 'ok'> {
    try {
      await p;
      return 'ok';
    } catch (e) {
      if (e instanceof HttpError) return e.status;
      throw e;
    }
  }

  it('a delimiter not followed by CRLF is refused at once, without reading (or copying) the rest', async () => {
    const hostile = Buffer.concat([Buffer.from(`--${boundary}`), Buffer.alloc(16 * 1024 * 1024, 0x41)]);
    const { stream, pulled } = feed(hostile);
    const meter: ParseMeter = { work: 0 };
    expect(await outcome(parseMultipart(stream, boundary, place, undefined, meter))).toBe(400);
    expect(pulled()).toBeLessThanOrEqual(2 * 65536);
    expect(meter.work).toBeLessThan(4 * 65536);
  });

  it('the work stays linear in the body for near-delimiters inside a large file part', async () => {
    const near = Buffer.from(`\r\n--${boundary.slice(0, -1)}`);
    const content = Buffer.concat(Array.from({ length: 200_000 }, () => near));
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n`),
      content,
      Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--${boundary}--\r\n`,
      ),
    ]);
    const meter: ParseMeter = { work: 0 };
    const result = await parseMultipart(feed(body).stream, boundary, place, undefined, meter);
    expect(result.fields).toEqual([['x', '1']]);
    expect(readFileSync(result.files[0]!.path).equals(content)).toBe(true);
    expect(meter.work).toBeLessThan(3 * body.length);
  });

  const fields = (n: number, size = 1): Buffer =>
    Buffer.concat([
      ...Array.from({ length: n }, (_, i) =>
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n${'v'.repeat(size)}\r\n`,
        ),
      ),
      Buffer.from(`--${boundary}--\r\n`),
    ]);

  it('limits the number of parts, a field and all fields (413)', async () => {
    const limits = { maxParts: 100, maxFieldBytes: 1000, maxFieldsBytes: 5000, maxBodyBytes: 1e9 };
    expect(await outcome(parseMultipart(feed(fields(100)).stream, boundary, place, limits))).toBe('ok');
    expect(await outcome(parseMultipart(feed(fields(101)).stream, boundary, place, limits))).toBe(413);
    expect(await outcome(parseMultipart(feed(fields(1, 1001)).stream, boundary, place, limits))).toBe(413);
    expect(await outcome(parseMultipart(feed(fields(6, 900)).stream, boundary, place, limits))).toBe(413);
    const small = { ...limits, maxBodyBytes: 500 };
    expect(await outcome(parseMultipart(feed(fields(50)).stream, boundary, place, small))).toBe(413);
  });

  it('the emulator answers 413 to a body with too many parts, and keeps no task data', async () => {
    const { emu: running, api } = await withEmulator();
    try {
      const task = obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'a' }] })).body);
      const r = await api.call('POST', `/api/tasks/${String(task.id)}/data/`, {
        body: new Uint8Array(fields(10_001)),
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      });
      expect(r.status).toBe(413);
      expect(obj((await api.get(`/api/tasks/${String(task.id)}`)).body).size).toBe(0);
    } finally {
      await running.close();
    }
  });

  it('still parses a body split at every byte', async () => {
    const body = fields(3, 5);
    const result = await parseMultipart(
      Readable.from([...body].map((b) => Buffer.from([b]))),
      boundary,
      place,
    );
    expect(result.fields).toEqual([
      ['f0', 'vvvvv'],
      ['f1', 'vvvvv'],
      ['f2', 'vvvvv'],
    ]);
  });
});

describe('emulator: names, paths and cancels (#14.7, #16.9)', () => {
  let running: RunningEmulator;
  let api: Api;
  const errors: unknown[] = [];

  beforeEach(async () => {
    errors.length = 0;
    ({ emu: running, api } = await withEmulator({ onError: (e) => errors.push(e) }));
  });
  afterEach(() => running.close());

  it('TUS of 写真.png: Upload-Filename is sent as Django sends it, and the client decodes it', async () => {
    const task = obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'a' }] })).body);
    const url = `/api/tasks/${String(task.id)}/data/`;
    const created = await api.call('POST', url, {
      headers: {
        'Upload-Length': '10',
        'Upload-Metadata': `filename ${Buffer.from('写真.png').toString('base64')}`,
        'Tus-Resumable': '1.0.0',
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('upload-filename')).toBe('=?utf-8?b?5YaZ55yfLnBuZw==?=');

    const transport = new Transport(
      new Configuration({ host: running.url, username: 'admin', password: 'admin' }),
    );
    const image = png(6, 4);
    const events = await lastValueFrom(
      tusUpload(transport, { url, source: fromBytes(image, '画像 2.png') }).pipe(toArray()),
    );
    const last = events[events.length - 1];
    expect(last?.type === 'result' && last.value.filename).toBe('画像 2.png');
    const finish = await api.call('POST', url, {
      json: { image_quality: 70, upload_file_order: ['画像 2.png'] },
      headers: { 'Upload-Finish': 'true' },
    });
    expect(finish.status).toBe(202);
    const rq = await api.wait(obj(finish.body).rq_id as string);
    expect(rq.status).toBe('finished');
    const meta = obj((await api.get(`/api/tasks/${String(task.id)}/data/meta`)).body);
    expect((meta.frames as Array<{ name: string }>).map((f) => f.name)).toEqual(['画像 2.png']);
    expect(errors).toEqual([]);
  });

  it('decodes RFC 2047 words (b and q), and leaves anything else alone', () => {
    expect(decodeEncodedWords('=?utf-8?b?5YaZ55yfLnBuZw==?=')).toBe('写真.png');
    expect(decodeEncodedWords('=?UTF-8?Q?caf=C3=A9_1.png?=')).toBe('café 1.png');
    expect(decodeEncodedWords('=?utf-8?b?5YaZ?= =?utf-8?b?55yf?=')).toBe('写真');
    for (const plain of ['a.png', 'café.png', '=?utf-8?b?!!?=', '=?x-unknown?b?YQ==?=', '=?utf-8?b?/w==?='])
      expect(decodeEncodedWords(plain)).toBe(plain);
  });

  it('a malformed % in a path is a 400 with nothing logged', async () => {
    for (const path of ['/api/requests/%E0%A4%A', '/api/requests/%', '/api/requests/a%zzb']) {
      const r = await api.get(path);
      expect([path, r.status]).toEqual([path, 400]);
    }
    expect(errors).toEqual([]);
  });

  it('a client that cancels an upload mid-body is not reported as a fault', async () => {
    const task = obj((await api.post('/api/tasks', { name: 't', labels: [{ name: 'a' }] })).body);
    const failures = jest.spyOn(running.emulator, 'fail');
    const { hostname, port } = new URL(running.url);
    const req = httpRequest({
      hostname,
      port,
      method: 'POST',
      path: `/api/tasks/${String(task.id)}/data/`,
      headers: {
        Authorization: BASIC,
        'Content-Type': 'multipart/form-data; boundary=zz',
        'Content-Length': String(10 * 1024 * 1024),
      },
    });
    req.on('error', () => undefined);
    req.write(`--zz\r\nContent-Disposition: form-data; name="client_files[0]"; filename="a.png"\r\n\r\n`);
    // Over 1 MiB: a part that big is streamed to disk as it arrives (smaller ones are held).
    req.write(Buffer.alloc(2 * 1024 * 1024));
    const tempDir = running.emulator.state.tempDir;
    await until(() => filesUnder(tempDir).some((f) => f.path.endsWith('a.png')), 'the upload started');
    req.destroy();
    await until(() => failures.mock.calls.length > 0, 'the emulator saw the cancel');
    expect(errors).toEqual([]);
    // The emulator goes on serving.
    expect((await api.get('/api/server/about')).status).toBe(200);
  });
});
