import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { makeNodeClient } from '../../src/node/client';
import { sha256File, writeBmp } from '../support/generated-files';

const SIZE = 300 * 2 ** 20;

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
    const expected = await writeBmp(path, SIZE);
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
    expect(await sha256File(stored)).toBe(expected);
  });
});
