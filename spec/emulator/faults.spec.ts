import { request } from 'node:http';
import type { RunningEmulator } from '../../src/emulator';
import type { Api } from './helpers';
import { obj, withEmulator } from './helpers';

/** Raw request that reports how the connection ended instead of throwing. */
function raw(
  url: string,
  path: string,
  body?: Buffer,
): Promise<{ status?: number; bytes: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      {
        method: body ? 'POST' : 'GET',
        headers: {
          Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
          ...(body ? { 'Content-Length': body.length, 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode, bytes }));
        res.on('error', (e) => resolve({ status: res.statusCode, bytes, error: e.message }));
        res.on('aborted', () => resolve({ status: res.statusCode, bytes, error: 'aborted' }));
      },
    );
    req.on('error', (e) => resolve({ bytes: 0, error: e.message }));
    req.end(body);
  });
}

describe('emulator: fault injection and CORS', () => {
  let emu: RunningEmulator;
  let api: Api;

  beforeEach(async () => {
    ({ emu, api } = await withEmulator({ allowedOrigins: ['http://ui.example'] }));
  });
  afterEach(() => emu.close());

  it('injects errors per route, leaving other routes alone', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'GET', errorStatus: 503 }]);
    const r = await api.get('/api/tasks');
    expect(r.status).toBe(503);
    expect(obj(r.body).detail).toMatch(/Injected fault/);
    expect((await api.get('/api/projects')).status).toBe(200);
    emu.setFaults([]);
    expect((await api.get('/api/tasks')).status).toBe(200);
  });

  it('sends a 429 burst with Retry-After, then recovers', async () => {
    emu.setFaults([{ path: '/api/requests/**', errorStatus: 429, retryAfterSeconds: 2, times: 2 }]);
    const a = await api.get('/api/requests/x');
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('2');
    expect((await api.get('/api/requests/x')).status).toBe(429);
    expect((await api.get('/api/requests/x')).status).toBe(404);
  });

  it('applies error rates with the given probability', async () => {
    emu.setFaults([{ errorStatus: 500, errorRate: 0 }]);
    expect((await api.get('/api/users/self')).status).toBe(200);
    emu.setFaults([{ errorStatus: 502, errorRate: 1 }]);
    expect((await api.get('/api/users/self')).status).toBe(502);
  });

  it('drops the connection after N bytes of the response', async () => {
    emu.setFaults([{ path: '/api/users/self', dropResponseAfterBytes: 10 }]);
    const r = await raw(emu.url, '/api/users/self');
    expect(r.status).toBe(200);
    expect(r.bytes).toBeLessThanOrEqual(10);
    expect(r.error).toBeDefined();
  });

  it('drops the connection after N bytes of the request', async () => {
    emu.setFaults([{ path: '/api/projects', method: 'POST', dropRequestAfterBytes: 5 }]);
    const r = await raw(emu.url, '/api/projects', Buffer.from(JSON.stringify({ name: 'x'.repeat(1000) })));
    expect(r.status).toBeUndefined();
    expect(r.error).toBeDefined();
    emu.setFaults([]);
    expect(obj((await api.get('/api/projects')).body).count).toBe(0);
  });

  it('delivers slow bodies intact and adds latency', async () => {
    emu.setFaults([{ path: '/api/server/about', slowBodyChunkBytes: 16, slowBodyDelayMs: 1, latencyMs: 5 }]);
    const r = await api.get('/api/server/about');
    expect(r.status).toBe(200);
    expect(obj(r.body).version).toBe('2.73.1');
  });

  it('answers CORS preflights and exposes the upload headers', async () => {
    const pre = await api.call('OPTIONS', '/api/tasks/1/data/', {
      headers: {
        Origin: 'http://ui.example',
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'upload-offset, tus-resumable',
      },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://ui.example');
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = pre.headers.get('access-control-allow-headers')!;
    for (const h of [
      'upload-start',
      'upload-finish',
      'upload-multiple',
      'x-organization',
      'tus-resumable',
      'upload-length',
      'upload-metadata',
      'upload-offset',
      'x-csrftoken',
      'authorization',
      'content-type',
    ])
      expect(allowed).toContain(h);
    expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
    const get = await api.get('/api/server/about', { Origin: 'http://ui.example' });
    const exposed = get.headers.get('access-control-expose-headers')!;
    for (const h of ['Location', 'Upload-Offset', 'Upload-Length', 'Upload-Filename'])
      expect(exposed).toContain(h);
  });
});
