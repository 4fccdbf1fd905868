import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import type { FrameData } from '../../src/entities/operations';
import type { Task } from '../../src/entities/task';
import { ApiError } from '../../src/errors';
import { makeNodeClient } from '../../src/node/client';
import type { Interceptor } from '../../src/transport';
import { png } from '../emulator/helpers';

/** Frames by number, each once, to compare two reads. */
const byFrame = (items: readonly FrameData[]) =>
  [...items]
    .sort((a, b) => a.frame - b.frame)
    .map((f) => ({
      frame: f.frame,
      contentType: f.contentType,
      data: Buffer.from(f.data).toString('base64'),
    }));

describe('task.frames() through whole chunks', () => {
  let server: RunningEmulator;
  let client: CvatClient;
  let dir: string;
  let task: Task;
  /** The data requests sent, as `type:number`. */
  const sent: string[] = [];
  const count: Interceptor = (request, next) => {
    const query = request.query ?? {};
    if (/\/data$/.test(request.url) && query.type) sent.push(`${String(query.type)}:${String(query.number)}`);
    return next(request);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-chunked-'));
    const files = Array.from({ length: 23 }, (_, i) => {
      const path = join(dir, `f${String(i).padStart(2, '0')}.png`);
      writeFileSync(path, png(6 + (i % 3), 5, 10 * i));
      return path;
    });
    server = await startEmulator({ port: 0, processingDelayMs: 1 });
    client = await firstValueFrom(
      makeNodeClient({ host: server.url, config: { transport: { interceptors: [count] } } }).login({
        username: 'admin',
        password: 'admin',
      }),
    );
    task = await firstValueFrom(
      client.tasks.createFromData({
        spec: { name: 'chunked', labels: [{ name: 'a' }] },
        resources: files,
        dataParams: { chunk_size: 10, image_quality: 80, sorting_method: 'lexicographical' },
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => sent.splice(0));

  it.each(['original', 'compressed'] as const)(
    'gives the %s frames the frame endpoint gives, byte for byte, in fewer requests',
    async (quality) => {
      const all = Array.from({ length: 23 }, (_, i) => i);
      const viaFrames = await lastValueFrom(task.frames(all, { quality, readChunks: false }).pipe(toArray()));
      expect(sent.filter((s) => s.startsWith('frame:'))).toHaveLength(23);
      sent.splice(0);
      const viaChunks = await lastValueFrom(task.frames(all, { quality }).pipe(toArray()));
      expect(byFrame(viaChunks)).toEqual(byFrame(viaFrames));
      // Three chunks of 10, 10 and 3 frames, no frame requests.
      expect([...sent].sort()).toEqual(['chunk:0', 'chunk:1', 'chunk:2']);
    },
  );

  it('reads a chunk only where half of it is asked for, and keeps repeats', async () => {
    // Chunk 0: 6 of 10 frames (by chunk); chunk 1: 2 of 10 (frame by frame); chunk 2: 2 of 3 (by chunk).
    const ids = [0, 1, 2, 3, 4, 5, 5, 11, 12, 20, 21];
    const frames = await lastValueFrom(task.frames(ids, { quality: 'original' }).pipe(toArray()));
    expect(frames.map((f) => f.frame).sort((a, b) => a - b)).toEqual(ids);
    expect([...sent].sort()).toEqual(['chunk:0', 'chunk:2', 'frame:11', 'frame:12']);
    const single = await firstValueFrom(task.frames([5], { quality: 'original' }));
    expect(Buffer.from(frames.find((f) => f.frame === 5)!.data).equals(Buffer.from(single.data))).toBe(true);
    expect(frames.find((f) => f.frame === 5)!.contentType).toBe(single.contentType);
  });

  it('fails a frame past the task as the frame endpoint does', async () => {
    const ids = [...Array.from({ length: 10 }, (_, i) => i), 23];
    const error = await lastValueFrom(task.frames(ids).pipe(toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
  });
});
