import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MEASURE_MARK } from './profile';

const here = fileURLToPath(new URL('.', import.meta.url));
export const BENCH_DIR = resolve(here, '..');
const CHILD = join(BENCH_DIR, 'child.ts');
const RESULT_MARK = '@@bench-result ';

/** Set by `--profile`: every measured child profiles its measured section into this folder. */
let profileDir: string | undefined;
export function enableProfiles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  profileDir = dir;
}

/** CPU time (ms, user + system) of this process: the emulator's, which runs here. */
export function serverCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** What the emulator (this process) spent while `fn` ran: for baselines run as other processes. */
export async function withServerCpu<T>(fn: () => Promise<T>): Promise<{ value: T; serverCpuMs: number }> {
  const start = serverCpuMs();
  const value = await fn();
  return { value, serverCpuMs: serverCpuMs() - start };
}

/**
 * Runs one measurement in a fresh Node process (`bench/child.ts`), so that its peak RSS is its own
 * and the emulator (in this process) does not share its event loop. Resolves the child's result,
 * with `serverCpuMs`: this process's CPU time between the child's measure marks (bench/lib/profile.ts),
 * i.e. what the emulator spent serving the measured section.
 */
export function runChild<R>(job: { readonly kind: string } & Record<string, unknown>): Promise<R> {
  const args = ['--import', 'tsx', CHILD, JSON.stringify(profileDir ? { ...job, profileDir } : job)];
  return runMeasured<R>(process.execPath, args, `bench child ${job.kind}`);
}

/**
 * Runs a measuring process (a bench child, or the cvat-sdk script) that prints its result after
 * RESULT_MARK and may print measure marks; resolves the result with `serverCpuMs` when marked.
 */
export function runMeasured<R>(
  command: string,
  args: readonly string[],
  label: string,
  env?: NodeJS.ProcessEnv,
): Promise<R> {
  return new Promise<R>((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    let out = '';
    let err = '';
    let scanned = 0;
    let markedAt: number | undefined;
    let serverMs: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      // Read the marks as they arrive, so the CPU time is taken when the child prints them.
      let newline: number;
      while ((newline = out.indexOf('\n', scanned)) >= 0) {
        const line = out.slice(scanned, newline);
        scanned = newline + 1;
        if (line === `${MEASURE_MARK}start`) markedAt = serverCpuMs();
        else if (line === `${MEASURE_MARK}end` && markedAt !== undefined) {
          serverMs = (serverMs ?? 0) + serverCpuMs() - markedAt;
          markedAt = undefined;
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || line === undefined) {
        reject(new Error(`${label} failed (exit ${String(code)}): ${err.trim() || out.trim()}`));
        return;
      }
      const result = JSON.parse(line.slice(RESULT_MARK.length)) as R;
      resolvePromise(serverMs === undefined ? result : ({ ...result, serverCpuMs: serverMs } as R));
    });
  });
}

/** The child side: print the result where the parent looks for it. */
export function reportResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (curl) to completion, collecting its output. */
export function runProcess(command: string, args: readonly string[]): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}
