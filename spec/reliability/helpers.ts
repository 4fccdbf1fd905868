import { lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RunningEmulator } from '../../src/emulator';

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
