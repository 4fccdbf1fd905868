import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * CVAT's own clients (cvat-sdk, cvat-cli), installed by tools/peers/setup.sh into .venv-cvat/.
 * Tests that use them skip, with a message, where that environment is missing.
 */
const BIN = join(resolve(__dirname, '../..'), '.venv-cvat', 'bin');
export const CVAT_CLI = join(BIN, 'cvat-cli');
export const PYTHON = join(BIN, 'python');
export const SDK_SCRIPT = resolve(__dirname, '../../tools/peers/sdk_check.py');

export const peersInstalled = existsSync(CVAT_CLI) && existsSync(PYTHON);
export const SKIP_MESSAGE =
  'cvat-sdk/cvat-cli not installed (.venv-cvat/ missing): run tools/peers/setup.sh (needs python3) to run spec/peers';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A home of its own, so the clients neither read nor write the user's profiles and caches. */
const home = mkdtempSync(join(tmpdir(), 'cvat-rx-peers-home-'));

/**
 * Runs a program without blocking the event loop (the emulator answering it lives in this process).
 * The password goes through the environment (`PASS`), never on the command line.
 */
export function run(file: string, args: readonly string[], password: string, cwd?: string): Promise<Run> {
  return new Promise((done) => {
    execFile(
      file,
      [...args],
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '',
          PASS: password,
          HOME: home,
          XDG_CONFIG_HOME: join(home, 'config'),
          XDG_CACHE_HOME: join(home, 'cache'),
          PYTHONDONTWRITEBYTECODE: '1',
          PYTHONIOENCODING: 'utf-8',
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Fails with the program's own output, so a failing peer command says why. */
export function succeeded(r: Run): string {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** SHA-256 of each image's decoded RGBA pixels (through Pillow, as cvat-cli writes frames with it). */
export async function pixelHashes(files: readonly string[]): Promise<string[]> {
  const script = [
    'import hashlib, sys',
    'from PIL import Image',
    'for f in sys.argv[1:]:',
    '    print(hashlib.sha256(Image.open(f).convert("RGBA").tobytes()).hexdigest())',
  ].join('\n');
  return succeeded(await run(PYTHON, ['-c', script, ...files], ''))
    .trim()
    .split('\n');
}
