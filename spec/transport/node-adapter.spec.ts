/**
 * cvat-rx's own axios adapter (src/transport/node-adapter.ts), against a real local server: on
 * its own through axios, and as the Node path of the Transport.
 */
import type http from 'node:http';
import { gzipSync, deflateRawSync } from 'node:zlib';
import axios, { AxiosError, isCancel } from 'axios';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { CancelledError, NetworkError, TimeoutError } from '../../src/errors';
import * as adapterModule from '../../src/transport/node-adapter';
import { createNodeAdapter } from '../../src/transport/node-adapter';
import { detectNodeModules } from '../../src/transport/runtime';
import type { TransportEvent } from '../../src/transport/types';
import { localServer, transportFor } from './local-server';

function collect<T>(source$: Observable<T>): Promise<T[]> {
  return lastValueFrom(source$.pipe(toArray()));
}

async function errorOf(source$: Observable<unknown>): Promise<unknown> {
  try {
    await lastValueFrom(source$);
  } catch (error) {
    return error;
  }
  throw new Error('expected the Observable to fail');
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}

const node = detectNodeModules()!;
const adapter = createNodeAdapter({ ...node, zlib: node.zlib! });

describe('the Transport on Node', () => {
  const saved = { ...process.env };
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
  });

  it('sends through its own adapter when no proxy variable is set', () => {
    for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'])
      delete process.env[name];
    const spy = jest.spyOn(adapterModule, 'createNodeAdapter');
    transportFor('http://127.0.0.1:1');
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("keeps axios' adapter when a proxy variable is set (axios knows how to use proxies)", () => {
    process.env.HTTP_PROXY = 'http://127.0.0.1:1';
    const spy = jest.spyOn(adapterModule, 'createNodeAdapter');
    transportFor('http://cvat.invalid');
    expect(spy).not.toHaveBeenCalled();
  });

  it('reuses one kept-alive connection for sequential requests', async () => {
    const ports: number[] = [];
    const server = await localServer((req, res) => {
      ports.push(req.socket.remotePort!);
      res.setHeader('Content-Type', 'application/json');
      res.end('{"ok":true}');
    });
    try {
      const transport = transportFor(server.host);
      for (let i = 0; i < 3; i++) {
        const response = await lastValueFrom(transport.request({ method: 'GET', url: '/api/server/about' }));
        expect(response.body).toEqual({ ok: true });
      }
      expect(ports).toHaveLength(3);
      expect(new Set(ports).size).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('reports upload progress monotonic, the last event equal to the total', async () => {
    const size = 1024 * 1024 + 123;
    let received = 0;
    const server = await localServer((req, res) => {
      req.on('data', (d: Buffer) => (received += d.byteLength));
      req.on('end', () => res.end());
    });
    try {
      const events = await collect(
        transportFor(server.host).events({ method: 'POST', url: '/upload', body: new Uint8Array(size) }),
      );
      const progress = events.filter((e) => e.type === 'upload_progress');
      expect(progress.length).toBeGreaterThan(1);
      const loaded = progress.map((e) => e.loaded);
      expect([...loaded].sort((a, b) => a - b)).toEqual(loaded);
      expect(new Set(loaded).size).toBe(loaded.length);
      expect(progress.at(-1)).toEqual({ type: 'upload_progress', loaded: size, total: size });
      expect(received).toBe(size);
      // Every upload event comes before the response headers.
      const headersAt = events.findIndex((e) => e.type === 'response_headers');
      expect(events.map((e) => e.type).lastIndexOf('upload_progress')).toBeLessThan(headersAt);
    } finally {
      await server.close();
    }
  });

  it('hands a 2xx body over as a stream when asked (downloads)', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    const server = await localServer((_req, res) => {
      res.setHeader('Content-Length', payload.byteLength);
      res.end(payload);
    });
    try {
      const response = await lastValueFrom(
        transportFor(server.host).request({ method: 'GET', url: '/file', responseType: 'stream' }),
      );
      const body = await readAll(response.body as NodeJS.ReadableStream);
      expect(body.equals(payload)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('decompresses gzip and raw deflate bodies, as axios does', async () => {
    const json = Buffer.from('{"compressed":true}');
    const server = await localServer((req, res) => {
      const raw = req.url === '/deflate';
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Content-Encoding', raw ? 'deflate' : 'gzip');
      res.end(raw ? deflateRawSync(json) : gzipSync(json));
    });
    try {
      const transport = transportFor(server.host);
      for (const url of ['/gzip', '/deflate']) {
        const response = await lastValueFrom(transport.request({ method: 'GET', url }));
        expect(response.body).toEqual({ compressed: true });
      }
    } finally {
      await server.close();
    }
  });

  it('closes the connection when the subscriber leaves mid-response', async () => {
    let onClose!: () => void;
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    const server = await localServer((req, res) => {
      req.socket.once('close', onClose);
      res.writeHead(200, { 'Content-Length': '1000000' });
      res.write(Buffer.alloc(1000)); // and never the rest
    });
    try {
      const events: TransportEvent[] = [];
      const subscription = transportFor(server.host)
        .events({ method: 'GET', url: '/slow', responseType: 'arraybuffer' })
        .subscribe((event) => {
          events.push(event);
          if (event.type === 'download_progress' || event.type === 'response_headers')
            subscription.unsubscribe();
        });
      await closed;
      expect(events.some((e) => e.type === 'response_headers')).toBe(true);
      expect(events.some((e) => e.type === 'response')).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('fails with TimeoutError when the server goes quiet', async () => {
    const server = await localServer(() => undefined); // never answers
    try {
      const error = await errorOf(
        transportFor(server.host, { timeouts: { idleMs: 50 } }).request({ method: 'GET', url: '/quiet' }),
      );
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).phase).toBe('idle');
    } finally {
      await server.close();
    }
  });

  it('maps a refused connection and a cut response to NetworkError with the system code', async () => {
    const gone = await localServer(() => undefined);
    await gone.close();
    const refused = await errorOf(transportFor(gone.host).request({ method: 'GET', url: '/x' }));
    expect(refused).toBeInstanceOf(NetworkError);
    expect((refused as NetworkError).code).toBe('ECONNREFUSED');

    const cut = await localServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"partial":');
      setImmediate(() => res.socket?.destroy());
    });
    try {
      const error = await errorOf(transportFor(cut.host).request({ method: 'GET', url: '/x' }));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).not.toBeInstanceOf(CancelledError);
    } finally {
      await cut.close();
    }
  });
});

describe('the adapter through axios', () => {
  it('returns the status as it is, never following a redirect', async () => {
    const server = await localServer((_req, res) => {
      res.writeHead(302, { Location: '/elsewhere' });
      res.end();
    });
    try {
      const response = await axios.get(`${server.host}/moved`, {
        adapter,
        responseType: 'stream',
        validateStatus: () => true,
      });
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe('/elsewhere');
      await readAll(response.data as NodeJS.ReadableStream);
    } finally {
      await server.close();
    }
  });

  it('rejects statuses validateStatus refuses with an AxiosError carrying the response', async () => {
    const server = await localServer((_req, res) => {
      res.statusCode = 404;
      res.end('nope');
    });
    try {
      const error: unknown = await axios
        .get(`${server.host}/missing`, { adapter, responseType: 'stream' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).response?.status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('honours an abort signal with a CanceledError, and the server sees the connection close', async () => {
    let onClose!: () => void;
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const server = await localServer((req) => {
      req.socket.once('close', onClose);
      arrived();
    });
    try {
      const controller = new AbortController();
      const pending = axios
        .get(`${server.host}/never`, { adapter, responseType: 'stream', signal: controller.signal })
        .catch((e: unknown) => e);
      await arrival;
      controller.abort();
      expect(isCancel(await pending)).toBe(true);
      await closed;
    } finally {
      await server.close();
    }
  });

  it("honours axios' timeout with ECONNABORTED", async () => {
    const server = await localServer(() => undefined);
    try {
      const error: unknown = await axios
        .get(`${server.host}/never`, { adapter, responseType: 'stream', timeout: 30 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AxiosError);
      expect((error as AxiosError).code).toBe('ECONNABORTED');
    } finally {
      await server.close();
    }
  });

  /** The headers a server received for one GET through the adapter with `headers`. */
  async function headersReceived(headers: Record<string, string | false | null>) {
    let seen: http.IncomingHttpHeaders = {};
    const server = await localServer((req, res) => {
      seen = req.headers;
      res.end();
    });
    try {
      const response = await axios.get(`${server.host}/h`, { adapter, responseType: 'stream', headers });
      await readAll(response.data as NodeJS.ReadableStream);
      return seen;
    } finally {
      await server.close();
    }
  }

  it('sends the headers axios hands it, with its defaults and stripped of characters not allowed', async () => {
    const seen = await headersReceived({ 'X-Test': 'a\u0001b\u2603c ' });
    expect(seen['x-test']).toBe('abc');
    expect(seen['user-agent']).toMatch(/^axios\//);
    expect(seen['accept-encoding']).toContain('gzip');
  });

  it('keeps a header given as it is, and sends none for a default set to null or false', async () => {
    const seen = await headersReceived({
      'user-agent': 'mine/1.0',
      'Accept-Encoding': false,
      'X-Gone': null,
      'X-Empty': '',
    });
    expect(seen['user-agent']).toBe('mine/1.0');
    expect(seen).not.toHaveProperty('accept-encoding');
    expect(seen).not.toHaveProperty('x-gone');
    expect(seen['x-empty']).toBe('');
  });
});
