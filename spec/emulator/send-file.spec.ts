import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeFile } from '../../src/emulator/data/send-file';

let dir: string;
let server: Server | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvat-rx-send-'));
});
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Serves `path` (announcing `size` bytes) with pipeFile; `sent` settles as pipeFile does. */
async function serve(path: string, size: number): Promise<{ url: string; sent: Promise<unknown> }> {
  let settle: (outcome: unknown) => void = () => undefined;
  const sent = new Promise((resolve) => (settle = resolve));
  server = createServer((_req, res) => {
    res.setHeader('Content-Length', size);
    pipeFile(path, size, res).then(
      () => settle('sent'),
      (error: unknown) => settle(error),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/`, sent };
}

const response = (url: string) =>
  new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));

describe('emulator pipeFile', () => {
  it('sends a file bigger than its reusable buffers byte for byte, in order', async () => {
    const data = randomBytes(5 * 2 ** 20 + 3); // more than 4 reads of 1 MiB
    const path = join(dir, 'big.zip');
    writeFileSync(path, data);
    const { url, sent } = await serve(path, data.length);
    const res = await response(url);
    const parts: Buffer[] = [];
    for await (const part of res) parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(await sent).toBe('sent');
  });

  it('stops and settles when the client goes away mid-file', async () => {
    const path = join(dir, 'big.zip');
    writeFileSync(path, randomBytes(32 * 2 ** 20));
    const { url, sent } = await serve(path, 32 * 2 ** 20);
    const res = await response(url);
    await new Promise((resolve) => res.once('data', resolve));
    res.destroy();
    expect(await sent).toBe('sent');
  });

  it('breaks the response off when the file is shorter than announced', async () => {
    const path = join(dir, 'short.zip');
    writeFileSync(path, randomBytes(1000));
    const { url, sent } = await serve(path, 2000);
    const res = await response(url);
    const read = new Promise((resolve) => {
      res.on('data', () => undefined);
      res.once('error', resolve);
      res.once('end', () => resolve('complete'));
    });
    expect(await read).not.toBe('complete');
    expect(await sent).toMatchObject({ message: expect.stringContaining('ended at byte 1000 of 2000') });
  });
});
