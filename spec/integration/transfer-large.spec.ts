import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { makeNodeClient } from '../../src/node/client';

const SIZE = 300 * 2 ** 20;

/** A BMP header (so CVAT and the emulator read it as an image) followed by random bytes, hashed as written. */
async function writeLargeBmp(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(size, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(640, 18);
  header.writeInt32LE(480, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  const write = async (chunk: Buffer) => {
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(header);
  let left = size - header.length;
  while (left > 0) {
    const chunk = randomBytes(Math.min(left, 2 ** 20));
    left -= chunk.length;
    await write(chunk);
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('a 300 MB file through createFromData', () => {
  let server: RunningEmulator;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-large-'));
    server = await startEmulator({ port: 0, processingDelayMs: 1 });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is streamed from disk by TUS and stored with the same SHA-256', async () => {
    const path = join(dir, 'large.bmp');
    const expected = await writeLargeBmp(path, SIZE);
    const client = await firstValueFrom(
      makeNodeClient({ host: server.url }).login({ username: 'admin', password: 'admin' }),
    );
    const events = await lastValueFrom(
      client.tasks
        .createFromData(
          { spec: { name: 'large', labels: [{ name: 'x' }] }, resources: [path] },
          { observe: 'events' },
        )
        .pipe(toArray()),
    );
    const uploads = events.flatMap((e) => (e.type === 'progress' && e.phase === 'upload' ? [e.loaded] : []));
    expect(uploads.at(-1)).toBe(SIZE);
    expect(uploads.every((loaded, i) => i === 0 || loaded >= uploads[i - 1])).toBe(true);
    // Frequent enough for a smooth bar: no gap above 10 MiB (one TUS chunk).
    expect(
      Math.max(...uploads.map((loaded, i) => (i === 0 ? loaded : loaded - uploads[i - 1]))),
    ).toBeLessThanOrEqual(10 * 2 ** 20);
    const last = events.at(-1);
    if (last?.type !== 'result') throw new Error('no result');
    const stored = server.emulator.state.tasks.get(last.value.id)?.data?.frames[0]?.path ?? '';
    expect(await sha256Of(stored)).toBe(expected);
  });
});
