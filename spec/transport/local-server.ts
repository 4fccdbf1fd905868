import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Configuration, type ConfigurationInit } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

/** A real HTTP server on a free loopback port; `close()` drops its open connections too. */
export async function localServer(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A transport to such a server, retries off so a test sees exactly one attempt. */
export function transportFor(host: string, init: Partial<ConfigurationInit> = {}) {
  return new Transport(new Configuration({ host, retry: { maxAttempts: 1 }, ...init }));
}
