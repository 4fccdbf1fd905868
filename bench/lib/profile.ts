import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** What a child prints around its measured section; the parent reads its own (the emulator's) CPU there. */
export const MEASURE_MARK = '@@bench-mark ';

/**
 * Runs `fn`, the measured section of a bench child, between two marks on stdout (bench/lib/spawn.ts
 * reads the emulator's CPU time at each), and under the V8 CPU profiler when `dir` is set, and writes `<dir>/<name>-<time>.cpuprofile`:
 * only the measured section, not the process's start-up (module loading, TypeScript compilation).
 */
export async function profiled<T>(dir: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  process.stdout.write(`${MEASURE_MARK}start\n`);
  try {
    return await profiledOnly(dir, name, fn);
  } finally {
    process.stdout.write(`${MEASURE_MARK}end\n`);
  }
}

async function profiledOnly<T>(dir: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  if (dir === undefined) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${name}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
