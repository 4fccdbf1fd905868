import { lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { startCuttingProxy } from '../support/tcp-proxy';
import type { CuttingProxy } from '../support/tcp-proxy';

/** Every request line the emulator handled (its `handle` wrapped), for "the server saw exactly one". */
export function recordRequests(emu: RunningEmulator): string[] {
  const seen: string[] = [];
  const emulator = emu.emulator;
  const original = emulator.handle.bind(emulator);
  emulator.handle = (req, res) => {
    seen.push(`${req.method ?? ''} ${(req.url ?? '').split('?')[0]}`);
    return original(req, res);
  };
  return seen;
}

/** The error an Observable ends with (fails the test when it completes instead). */
export async function errorOf(source: Observable<unknown>): Promise<unknown> {
  try {
    await lastValueFrom(source.pipe(toArray()));
  } catch (error) {
    return error;
  }
  throw new Error('expected the Observable to fail, but it completed');
}

/** The emulator behind a cutting/counting proxy, and a scratch folder, for one describe block. */
export interface ProxiedEmulator {
  readonly emu: RunningEmulator;
  readonly proxy: CuttingProxy;
  readonly dir: string;
}

/** Starts them in beforeAll and stops them in afterAll; read the fields inside tests only. */
export function useProxiedEmulator(prefix: string): ProxiedEmulator {
  const fixture: { emu?: RunningEmulator; proxy?: CuttingProxy; dir?: string } = {};
  beforeAll(async () => {
    fixture.dir = mkdtempSync(join(tmpdir(), prefix));
    fixture.emu = await startEmulator({ port: 0, processingDelayMs: 1, onError: () => undefined });
    fixture.proxy = await startCuttingProxy({ targetPort: Number(new URL(fixture.emu.url).port) });
  });
  afterAll(async () => {
    await fixture.proxy?.close();
    await fixture.emu?.close();
    if (fixture.dir) rmSync(fixture.dir, { recursive: true, force: true });
  });
  return {
    get emu() {
      return fixture.emu!;
    },
    get proxy() {
      return fixture.proxy!;
    },
    get dir() {
      return fixture.dir!;
    },
  };
}
