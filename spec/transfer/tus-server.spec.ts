import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { lastValueFrom, toArray } from 'rxjs';
import { fromBytes } from '../../src/transfer/source';
import { tusUpload } from '../../src/transfer/tus';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

/**
 * A real socket reset in the middle of a chunk, which nock cannot stage: a tiny TUS server on
 * 127.0.0.1 keeps the first bytes of a chunk and then destroys the connection.
 */
describe('TUS against a server that resets the connection mid-chunk', () => {
  let server: Server;
  let host: string;
  const stored: number[] = [];
  const log: string[] = [];
  let resetOnce = true;
  let hold = false;
  const closed: string[] = [];

  beforeAll(async () => {
    nock.enableNetConnect('127.0.0.1');
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const offsetHeader = req.headers['upload-offset'];
      log.push(`${req.method} ${req.url}${offsetHeader === undefined ? '' : ` @${String(offsetHeader)}`}`);
      if (req.method === 'POST') {
        res
          .writeHead(201, { Location: `http://localhost:1/api/tasks/1/data/f1`, 'Upload-Filename': 'a.bin' })
          .end();
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'Upload-Offset': String(stored.length) }).end();
        return;
      }
      if (hold) {
        // Never answer; record when the client gives up the connection.
        req.on('close', () => closed.push(String(offsetHeader)));
        req.resume();
        return;
      }
      let kept = 0;
      req.on('data', (chunk: Buffer) => {
        for (const byte of chunk) {
          if (resetOnce && Number(offsetHeader) === 10 && kept === 3) {
            resetOnce = false;
            req.socket.destroy();
            return;
          }
          stored.push(byte);
          kept += 1;
        }
      });
      req.on('end', () => res.writeHead(204, { 'Upload-Offset': String(stored.length) }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    // A held request keeps its socket open; close it so the server can stop.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    nock.enableNetConnect();
  });

  it('HEADs for the server offset and resumes from the bytes it kept', async () => {
    const content = new TextEncoder().encode('abcdefghijklmnopqrstuvwxy');
    const transport = new Transport(new Configuration({ host, timeouts: { connectMs: 5000 } }), {
      random: () => 0,
    });
    const events = await lastValueFrom(
      tusUpload(transport, {
        url: '/api/tasks/1/data/',
        source: fromBytes(content, 'a.bin'),
        chunkSize: 10,
        retryDelayMs: 0,
      }).pipe(toArray()),
    );
    expect(log).toEqual([
      'POST /api/tasks/1/data/',
      'PATCH /api/tasks/1/data/f1 @0',
      'PATCH /api/tasks/1/data/f1 @10',
      'HEAD /api/tasks/1/data/f1',
      'PATCH /api/tasks/1/data/f1 @13',
      'PATCH /api/tasks/1/data/f1 @23',
    ]);
    expect(Buffer.from(stored).toString()).toBe('abcdefghijklmnopqrstuvwxy');
    const loaded = events.flatMap((e) => (e.type === 'progress' ? [e.loaded] : []));
    loaded.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(loaded[i]));
    expect(loaded[loaded.length - 1]).toBe(25);
  });

  it('closes the connection of the chunk in flight on unsubscribe and sends nothing more', async () => {
    log.length = 0;
    stored.length = 0;
    hold = true;
    const transport = new Transport(new Configuration({ host }), { random: () => 0 });
    const seen: unknown[] = [];
    const subscription = tusUpload(transport, {
      url: '/api/tasks/1/data/',
      source: fromBytes(new Uint8Array(25), 'a.bin'),
      chunkSize: 10,
    }).subscribe({ next: (e) => seen.push(e), error: (e: unknown) => seen.push(e) });
    while (!log.some((line) => line.startsWith('PATCH')))
      await new Promise((resolve) => setImmediate(resolve));
    subscription.unsubscribe();
    while (closed.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toEqual(['0']);
    expect(log).toEqual(['POST /api/tasks/1/data/', 'PATCH /api/tasks/1/data/f1 @0']);
    // Bytes handed to the socket may have been reported; no result and no error arrive.
    expect(seen.every((e) => (e as { type?: string }).type === 'progress')).toBe(true);
    hold = false;
  });
});
