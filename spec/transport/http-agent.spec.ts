/**
 * cvat-rx's own `http:` agent (http-agent.ts), against a real local server: its sockets read into
 * one reused buffer, which is safe only while node:http's parser copies what it hands out.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Socket } from 'node:net';
import { lastValueFrom } from 'rxjs';
import { reusedBufferAgent } from '../../src/transport/http-agent';
import { localServer, transportFor } from './local-server';

const BODY = randomBytes(4 * 2 ** 20 + 123);

/** Sends BODY in pieces, so that the client needs many reads (chunked, or with its length). */
function bodyServer(chunked: boolean) {
  const connections: Socket[] = [];
  const server = localServer((req, res) => {
    if (!connections.includes(req.socket)) connections.push(req.socket);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      ...(chunked ? {} : { 'Content-Length': String(BODY.length) }),
    });
    let offset = 0;
    const more = (): void => {
      while (offset < BODY.length) {
        const piece = BODY.subarray(offset, offset + 200_000);
        offset += piece.length;
        if (!res.write(piece)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  return { server, connections };
}

describe('the reused-buffer http agent', () => {
  it.each([
    ['with a Content-Length', false],
    ['chunked', true],
  ])(
    'reads into one buffer per socket, and body chunks held across reads keep their bytes (%s)',
    async (_name, chunked) => {
      const { server: started } = bodyServer(chunked);
      const server = await started;
      try {
        const agent = reusedBufferAgent(http, net);
        const readBuffers = new Set<ArrayBufferLike>();
        let reads = 0;
        const chunks: Buffer[] = [];
        await new Promise<void>((resolve, reject) => {
          const req = http.get(`${server.host}/blob`, { agent }, (res) => {
            res.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              // Hold every chunk while later reads refill the socket's buffer.
              res.pause();
              setImmediate(() => res.resume());
            });
            res.once('end', resolve);
            res.once('error', reject);
          });
          req.once('socket', (socket: Socket) =>
            socket.on('data', (view: Uint8Array) => {
              reads += 1;
              readBuffers.add(view.buffer);
            }),
          );
          req.once('error', reject);
        });
        expect(reads).toBeGreaterThan(10);
        expect(readBuffers.size).toBe(1);
        const [readBuffer] = [...readBuffers];
        expect(chunks.some((chunk) => chunk.buffer === readBuffer)).toBe(false);
        expect(Buffer.concat(chunks).equals(BODY)).toBe(true);
      } finally {
        await server.close();
      }
    },
  );

  it('is the one agent of every Transport on http: (one kept-alive connection), with whole bodies', async () => {
    const { server: started, connections } = bodyServer(false);
    const server = await started;
    try {
      const get = (host: string) =>
        lastValueFrom(
          transportFor(host).request({ method: 'GET', url: '/blob', responseType: 'arraybuffer' }),
        ).then((response) => new Uint8Array(response.body as ArrayBuffer));
      // Two Transports, one after the other: the second reuses the first one's connection.
      expect(Buffer.from(await get(server.host)).equals(BODY)).toBe(true);
      expect(Buffer.from(await get(server.host)).equals(BODY)).toBe(true);
      expect(connections).toHaveLength(1);
      expect(Object.keys(reusedBufferAgent(http, net).freeSockets)).toContain(
        `${new URL(server.host).hostname}:${new URL(server.host).port}:`,
      );
    } finally {
      await server.close();
    }
  });

  it('opens a new connection when the server closed the kept-alive one', async () => {
    const { server: started, connections } = bodyServer(false);
    const server = await started;
    try {
      const transport = transportFor(server.host);
      const get = () =>
        lastValueFrom(transport.request({ method: 'GET', url: '/blob', responseType: 'arraybuffer' }));
      await get();
      const first = connections[0]!;
      const closed = new Promise((resolve) => first.once('close', resolve));
      first.destroy();
      await closed;
      // Until the client has seen its end close too (the agent then drops the free socket).
      const agent = reusedBufferAgent(http, net);
      const name = `${new URL(server.host).hostname}:${new URL(server.host).port}:`;
      while ((agent.freeSockets[name]?.length ?? 0) > 0) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const second = await get();
      expect(Buffer.from(second.body as ArrayBuffer).equals(BODY)).toBe(true);
      expect(connections).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
