import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import type { AxiosRequestConfig } from 'axios';
import type { Readable } from 'node:stream';
import { directDispatch } from '../../src/transport/direct-dispatch';
import { createNodeAdapter } from '../../src/transport/node-adapter';
import { detectNodeModules } from '../../src/transport/runtime';

const node = detectNodeModules()!;

describe('directDispatch', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method?: string; headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        res.writeHead(201, { 'X-Answer': 'yes' }).end('done');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const make = () => {
    const adapter = createNodeAdapter({ ...node, zlib: node.zlib! });
    const instance = axios.create({
      transformRequest: [],
      transformResponse: [],
      validateStatus: () => true,
      maxRedirects: 0,
      proxy: false,
      adapter,
    });
    return { instance, adapter };
  };

  const requests: AxiosRequestConfig[] = [
    { method: 'GET', headers: { Authorization: 'Basic eA==' } },
    { method: 'POST' },
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, data: '{"a":1}' },
    { method: 'PATCH', headers: { accept: 'application/vnd.cvat+json', 'X-Organization': 'org' }, data: 'x' },
    { method: 'PUT', headers: { 'content-type': 'text/plain' }, data: 'y' },
    { method: 'DELETE' },
    { method: 'HEAD' },
  ];

  it('sends what axios.request sends with the same adapter, and answers alike', async () => {
    const { instance, adapter } = make();
    const direct = directDispatch(instance, adapter);
    for (const request of requests) {
      seen.splice(0);
      const config = { ...request, url: `${base}/api/x?y=1`, responseType: 'stream' as const };
      const viaAxios = await instance.request<Readable>(config);
      viaAxios.data.resume();
      const viaDirect = await direct<Readable>(config);
      viaDirect.data.resume();
      expect(seen).toHaveLength(2);
      expect(seen[1]).toEqual(seen[0]);
      expect([viaDirect.status, viaDirect.headers['x-answer']]).toEqual([201, 'yes']);
    }
  });

  it('goes through instance.request once the instance has an interceptor', async () => {
    const { instance, adapter } = make();
    instance.interceptors.request.use((config) => {
      config.headers.set('X-Intercepted', '1');
      return config;
    });
    seen.splice(0);
    const response = await directDispatch(
      instance,
      adapter,
    )<Readable>({
      url: `${base}/a`,
      method: 'GET',
      responseType: 'stream',
    });
    response.data.resume();
    expect(seen[0]!.headers['x-intercepted']).toBe('1');
  });
});
