import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { makeNodeClient } from '../../src/node/client';
import { useProxiedEmulator } from './helpers';
import { sha256File, writeBmp } from '../support/generated-files';

const KiB = 1024;
const MiB = 2 ** 20;

/**
 * A mixed set (small files in several `Upload-Multiple` groups, large ones by TUS) sent through
 * a proxy that resets the connection inside bulk requests and inside TUS chunks (#14.8). Groups
 * are safe to resend (the server overwrites the same names; a cut request is dropped whole), so
 * createFromData completes and every frame is byte-exact. Before, the first cut in a group failed
 * the whole call and removed the task.
 */
describe('bulk and TUS uploads survive cut connections', () => {
  const env = useProxiedEmulator('cvat-rx-bulk-cuts-');

  it('createFromData completes with byte-exact frames', async () => {
    const { emu, proxy, dir } = env;
    const small = Array.from({ length: 12 }, (_, i) => ({
      name: `img_${String(i).padStart(2, '0')}.bmp`,
      size: 64 * KiB + i * 9 * KiB,
    }));
    const large = [
      { name: 'large_0.bmp', size: 3 * MiB + 17 },
      { name: 'large_1.bmp', size: 2 * MiB + 5 },
    ];
    const expected = new Map<string, string>();
    for (const file of [...small, ...large])
      expected.set(file.name, await writeBmp(join(dir, file.name), file.size));
    const bulkBytes = small.reduce((sum, f) => sum + f.size, 0);

    const client = await firstValueFrom(
      makeNodeClient({
        host: proxy.url,
        config: { transport: { retry: { baseDelayMs: 5, maxDelayMs: 50 } } },
      }).login({ username: 'admin', password: 'admin' }),
    );
    // One unit at a time, bulk groups first: the first cuts land in multipart bodies, the rest in
    // TUS chunks (request headers make the real offsets a little later than these).
    const base = proxy.forwardedUp;
    const cuts = [
      base + 2 * KiB + 100 * KiB,
      base + 2 * KiB + 450 * KiB,
      base + 8 * KiB + 800 * KiB,
      base + bulkBytes + 64 * KiB + 1 * MiB + 300 * KiB,
      base + bulkBytes + 64 * KiB + 3 * MiB + 900 * KiB,
    ];
    proxy.schedule(cuts);

    const events = await lastValueFrom(
      client.tasks
        .createFromData(
          {
            spec: { name: 'cuts', labels: [{ name: 'x' }] },
            resources: [...small, ...large].map((f) => join(dir, f.name)),
          },
          {
            observe: 'events',
            upload: {
              maxRequestSize: 300 * KiB,
              chunkSize: MiB,
              concurrency: 1,
              maxRetries: 10,
              retryDelayMs: 5,
            },
          },
        )
        .pipe(toArray()),
    );
    expect(proxy.cuts).toBe(cuts.length);
    const last = events.at(-1);
    if (last?.type !== 'result') throw new Error('no result');
    const uploads = events.flatMap((e) => (e.type === 'progress' && e.phase === 'upload' ? [e.loaded] : []));
    expect(uploads.every((loaded, i) => i === 0 || loaded >= uploads[i - 1]!)).toBe(true);

    const frames = emu.emulator.state.tasks.get(last.value.id)?.data?.frames ?? [];
    expect(frames.map((f) => f.name).sort()).toEqual([...expected.keys()].sort());
    for (const frame of frames) expect(await sha256File(frame.path)).toBe(expected.get(frame.name));
  }, 120_000);
});
