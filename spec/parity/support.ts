import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator';
import type { Task } from '../../src/entities';
import { ResourceType } from '../../src/entities/operations';
import { makeNodeClient } from '../../src/node/client';
import type { Interceptor } from '../../src/transport/types';
import { png } from '../emulator/helpers';

export { png };

/** An emulator with a share folder, a logged-in Node client, and a log of `METHOD url` lines. */
export interface Setup {
  readonly server: RunningEmulator;
  readonly client: CvatClient;
  readonly shareDir: string;
  readonly workDir: string;
  readonly lines: string[];
}

/** Starts an emulator for one spec file (beforeAll) and stops it (afterAll). */
export function useEmulator(options: EmulatorOptions = {}): () => Setup {
  let setup: Setup | undefined;
  beforeAll(async () => {
    const shareDir = mkdtempSync(join(tmpdir(), 'cvat-rx-parity-share-'));
    const workDir = mkdtempSync(join(tmpdir(), 'cvat-rx-parity-work-'));
    for (let i = 0; i < 6; i += 1) writeFileSync(join(shareDir, `f${i}.png`), png(8, 6, 0x10 * (i + 1)));
    const server = await startEmulator({
      port: 0,
      shareDir,
      processingDelayMs: 1,
      users: [
        { username: 'admin', password: 'admin', is_superuser: true, email: 'admin@example.org' },
        { username: 'worker', password: 'worker', email: 'worker@example.org' },
      ],
      ...options,
    });
    const lines: string[] = [];
    const log: Interceptor = (request, next) => {
      lines.push(`${request.method} ${request.url}`);
      return next(request);
    };
    const anonymous = makeNodeClient({
      host: server.url,
      config: {
        polling: { minDelayMs: 5, maxDelayMs: 20 },
        transport: { interceptors: [log] },
        logger: { warn: () => undefined },
      },
    });
    const client = await firstValueFrom(anonymous.login({ username: 'admin', password: 'admin' }));
    setup = { server, client, shareDir, workDir, lines };
  });
  afterAll(async () => {
    if (!setup) return;
    await setup.server.close();
    rmSync(setup.shareDir, { recursive: true, force: true });
    rmSync(setup.workDir, { recursive: true, force: true });
  });
  return () => {
    if (!setup) throw new Error('the emulator is not running');
    return setup;
  };
}

/** A task with `frames` PNG frames from the share (f0.png …), in jobs of `segmentSize` frames. */
export function taskWithFrames(client: CvatClient, name: string, frames = 4, segmentSize = 2): Promise<Task> {
  return firstValueFrom(
    client.tasks.createFromData({
      spec: { name, labels: [{ name: 'car' }, { name: 'person' }], segment_size: segmentSize },
      resourceType: ResourceType.Share,
      resources: Array.from({ length: frames }, (_, i) => `f${i}.png`),
    }),
  );
}
