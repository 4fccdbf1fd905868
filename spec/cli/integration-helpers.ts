import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO = resolve(__dirname, '../..');
export const BIN = resolve(REPO, 'bin/cvat-rx.js');
export const BUILT_CLI = resolve(REPO, 'dist/cli.js');
export const hasBuiltCli = existsSync(BUILT_CLI);

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a spawned command: no inherited credentials, no colours. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of ['CVAT_ACCESS_TOKEN', 'PASS', 'CVAT_HOST', 'CVAT_USER', 'CVAT_PASSWORD']) delete env[key];
  return { ...env, ...extra };
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly done: Promise<Run>;
  /** What the process has written to stdout so far. */
  stdout(): string;
  /** Resolves once stderr contains `text`. */
  waitForStderr(text: string): Promise<void>;
  /** Resolves once stdout contains `text`. */
  waitForStdout(text: string): Promise<void>;
}

/** Starts a process (stdin closed: no prompt can hang) and collects its output. */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Spawned {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ stream: 'stdout' | 'stderr'; text: string; resolve: () => void }> = [];
  const seen = (stream: 'stdout' | 'stderr'): string => (stream === 'stdout' ? stdout : stderr);
  const wake = (): void => {
    for (const w of waiters.filter((x) => seen(x.stream).includes(x.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    wake();
  });
  const done = new Promise<Run>((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
  const waitFor = (stream: 'stdout' | 'stderr', text: string): Promise<void> =>
    new Promise<void>((resolveWait, reject) => {
      if (seen(stream).includes(text)) return resolveWait();
      waiters.push({ stream, text, resolve: resolveWait });
      void done.then(() => reject(new Error(`process ended before "${text}" on ${stream}:\n${stderr}`)));
    });
  return {
    child,
    done,
    stdout: () => stdout,
    waitForStderr: (text) => waitFor('stderr', text),
    waitForStdout: (text) => waitFor('stdout', text),
  };
}

/** `cvat-rx ARGS` through bin/cvat-rx.js (the built dist/cli.js), as a user runs it. */
export function spawnCli(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Spawned {
  return spawnProcess(process.execPath, [BIN, ...args], options);
}

export function runCliProcess(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Run> {
  return spawnCli(args, options).done;
}

/**
 * tsx as a loader in the one Node process (`node --import tsx`, as `npm start` runs the demo).
 * The `tsx` command instead runs the script in a child process and relays signals: after a
 * SIGINT it waits 30 ms for the child to answer, then SIGKILLs it and exits 130 itself, so on a
 * busy machine the script's own Ctrl-C handling never ran.
 */
export const TSX_LOADER = resolve(REPO, 'node_modules/tsx/dist/loader.mjs');

/** The non-empty lines of a text. */
export const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
