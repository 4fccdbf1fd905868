import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

/** A stand-in HTTP proxy: it answers every request itself and records the request line it got. */
async function fakeProxy() {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.setHeader('Content-Type', 'application/json');
    res.end('{"via":"proxy"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('proxy variables', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY']) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('sends requests through the proxy named in the environment when the transport is made', async () => {
    const proxy = await fakeProxy();
    try {
      process.env.HTTP_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      delete process.env.no_proxy;
      const transport = new Transport(new Configuration({ host: 'http://cvat.invalid' }));
      const response = await lastValueFrom(transport.request({ method: 'GET', url: '/api/server/about' }));
      expect(response.body).toEqual({ via: 'proxy' });
      // A proxy gets the absolute URL in the request line.
      expect(proxy.seen).toEqual(['GET http://cvat.invalid/api/server/about']);
    } finally {
      await proxy.close();
    }
  });
});
