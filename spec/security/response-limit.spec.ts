import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { ResponseTooLargeError, isCvatError } from '../../src/errors';
import { downloadToFile } from '../../src/node/download-to-file';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import type { TransportEvent } from '../../src/transport/types';

const LIMIT = 2 ** 20;
const PIECE = 64 * 1024;

/** What an endless-body server wrote before the client hung up. */
interface Endless {
  readonly server: Server;
  readonly url: string;
  /** Bytes handed to the socket per response, and whether the client closed it. */
  readonly responses: Array<{ written: number; closed: boolean }>;
}

/**
 * A server whose every response is an endless body (`application/json` or bytes), written as fast
 * as the client reads it; `length` optionally announces a Content-Length. Stops writing once the
 * socket closes.
 */
async function endlessServer(options: {
  contentType: string;
  length?: number;
  cap?: number;
}): Promise<Endless> {
  const responses: Endless['responses'] = [];
  const piece = Buffer.alloc(PIECE, 0x20);
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    const record = { written: 0, closed: false };
    responses.push(record);
    res.writeHead(200, {
      'Content-Type': options.contentType,
      ...(options.length === undefined ? {} : { 'Content-Length': String(options.length) }),
    });
    res.write('[');
    record.written += 1;
    const pump = (): void => {
      while (!record.closed) {
        if (options.cap !== undefined && record.written >= options.cap) {
          res.end();
          return;
        }
        record.written += PIECE;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    res.on('close', () => (record.closed = true));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, responses };
}

async function stop(endless: Endless): Promise<void> {
  endless.server.closeAllConnections();
  await new Promise<void>((resolve) => endless.server.close(() => resolve()));
}

/** Waits until the server saw its response socket close (the client hung up). */
async function closedByClient(endless: Endless): Promise<void> {
  for (let i = 0; i < 500 && !endless.responses.every((r) => r.closed); i += 1)
    await new Promise((r) => setTimeout(r, 10));
}

async function failure(events$: ReturnType<Transport['events']>): Promise<unknown> {
  try {
    await lastValueFrom(events$.pipe(toArray()));
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

describe('maxResponseBytes: a buffered response is bounded while it is read', () => {
  let endless: Endless;
  afterEach(async () => stop(endless));

  it('an endless JSON body fails with ResponseTooLargeError once the limit is passed, and the socket is closed', async () => {
    endless = await endlessServer({ contentType: 'application/json' });
    const transport = new Transport(new Configuration({ host: endless.url, maxResponseBytes: LIMIT }));
    const error = await failure(transport.events({ method: 'GET', url: '/api/tasks' }));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(isCvatError(error)).toBe(true);
    const tooLarge = error as ResponseTooLargeError;
    expect(tooLarge.limitBytes).toBe(LIMIT);
    // Reading stopped at the first read past the limit: at most one socket read beyond it.
    expect(tooLarge.receivedBytes).toBeGreaterThan(LIMIT);
    expect(tooLarge.receivedBytes).toBeLessThanOrEqual(LIMIT + PIECE * 4);
    await closedByClient(endless);
    expect(endless.responses.every((r) => r.closed)).toBe(true);
    // The server could only write what the socket buffers took beyond what was read: bounded,
    // nowhere near an endless stream (the old client read until memory ran out).
    for (const response of endless.responses) expect(response.written).toBeLessThan(LIMIT + 64 * 2 ** 20);
  });

  it('is not retried, and the progress events stop at the limit', async () => {
    endless = await endlessServer({ contentType: 'application/json' });
    const transport = new Transport(new Configuration({ host: endless.url, maxResponseBytes: LIMIT }));
    const seen: TransportEvent[] = [];
    let error: unknown;
    await new Promise<void>((resolve) =>
      transport.events({ method: 'GET', url: '/api/tasks' }).subscribe({
        next: (event) => seen.push(event),
        error: (e: unknown) => {
          error = e;
          resolve();
        },
        complete: resolve,
      }),
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(seen.filter((e) => e.type === 'sent')).toHaveLength(1);
    const loaded = seen.flatMap((e) => (e.type === 'download_progress' ? [e.loaded] : []));
    expect(Math.max(0, ...loaded)).toBeLessThanOrEqual(LIMIT);
    expect(endless.responses).toHaveLength(1);
  });

  it('a Content-Length over the limit fails before the body is read', async () => {
    endless = await endlessServer({ contentType: 'application/json', length: 10 * LIMIT, cap: 10 * LIMIT });
    const transport = new Transport(new Configuration({ host: endless.url, maxResponseBytes: LIMIT }));
    const error = await failure(transport.events({ method: 'GET', url: '/api/tasks' }));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as ResponseTooLargeError).receivedBytes).toBe(10 * LIMIT);
  });

  it('bytes use maxBinaryResponseBytes; a request may override the limit', async () => {
    endless = await endlessServer({ contentType: 'application/octet-stream', cap: 3 * LIMIT });
    const transport = new Transport(
      new Configuration({ host: endless.url, maxResponseBytes: LIMIT, maxBinaryResponseBytes: 4 * LIMIT }),
    );
    // 3 MiB of bytes: under the binary limit although over the JSON one.
    const ok = await lastValueFrom(
      transport.request({ method: 'GET', url: '/c', responseType: 'arraybuffer' }),
    );
    expect((ok.body as ArrayBuffer).byteLength).toBeGreaterThan(LIMIT);
    const error = await failure(
      transport.events({ method: 'GET', url: '/c', responseType: 'arraybuffer', maxResponseBytes: LIMIT }),
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
  });

  it('defaults: 64 MiB for JSON, 1 GiB for bytes; a bad limit is a UsageError', () => {
    const configuration = new Configuration({ host: 'http://127.0.0.1:1' });
    expect(configuration.maxResponseBytes).toBe(64 * 2 ** 20);
    expect(configuration.maxBinaryResponseBytes).toBe(2 ** 30);
    expect(configuration.with({ maxResponseBytes: 5 }).maxResponseBytes).toBe(5);
    expect(() => new Configuration({ host: 'http://127.0.0.1:1', maxResponseBytes: 0 })).toThrow(
      'maxResponseBytes must be a positive number',
    );
  });

  it('a download streamed to disk has no limit', async () => {
    endless = await endlessServer({ contentType: 'application/octet-stream', cap: 3 * LIMIT });
    const transport = new Transport(
      new Configuration({ host: endless.url, maxResponseBytes: LIMIT, maxBinaryResponseBytes: LIMIT }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'cvat-rx-limit-'));
    try {
      const events = await lastValueFrom(
        downloadToFile(transport, { method: 'GET', url: '/big' }, { path: join(dir, 'big.bin') }).pipe(
          toArray(),
        ),
      );
      const result = events[events.length - 1];
      expect(result?.type === 'result' && result.value.size).toBeGreaterThan(2 * LIMIT);
      expect(readdirSync(dir)).toEqual(['big.bin']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
