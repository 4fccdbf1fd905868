import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useProxiedEmulator } from './helpers';
import { sha256File, writeBmp } from '../support/generated-files';

const MiB = 2 ** 20;
/** Total size of the upload: CVAT_RX_RESUME_MIB (default 300). */
const TOTAL = Number(process.env['CVAT_RX_RESUME_MIB'] ?? 300) * MiB;
const CHUNK = 8 * MiB;
const CHILD = resolve(__dirname, 'support/resume-child.ts');

/** Runs the child uploader; resolves to its exit and output. `kill` may end it early. */
function runChild(args: readonly string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
} {
  // node itself with tsx as a loader (not the tsx CLI, which would run node as a child of its
  // own: a SIGKILL to the CLI would leave the uploader running).
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: resolve(__dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>(
    (resolveDone) => child.once('exit', (code, signal) => resolveDone({ code, signal, out, err })),
  );
  return { child, done };
}

/**
 * #14.9: an upload resumes after `kill -9` of the process that sent it. A child process uploads
 * ~300 MB (small files in a bulk group, two large ones by TUS in 8 MiB chunks) to the emulator
 * in this process, through a counting proxy; it is killed once the server has seen a third of
 * the bytes. A second child given the same files finds the task in the file store, asks the
 * server for each offset, sends the rest and finishes: the frames are byte-exact, the record is
 * gone, and the bytes sent twice are at most one chunk per TUS file.
 */
describe('an upload resumes after the uploading process is killed', () => {
  const env = useProxiedEmulator('cvat-rx-resume-');

  it('kill -9 mid-upload, then the same command again: byte-exact frames, at most one chunk per file re-sent', async () => {
    const { emu, proxy, dir } = env;
    const small = Array.from({ length: 8 }, (_, i) => ({ name: `small_${i}.bmp`, size: MiB + i * 1000 }));
    const smallTotal = small.reduce((sum, f) => sum + f.size, 0);
    const large = [0, 1].map((i) => ({
      name: `large_${i}.bmp`,
      size: Math.floor((TOTAL - smallTotal) / 2) + i,
    }));
    const files = [...small, ...large];
    const expected = new Map<string, string>();
    for (const file of files) expected.set(file.name, await writeBmp(join(dir, file.name), file.size));
    const total = files.reduce((sum, f) => sum + f.size, 0);
    const store = join(dir, 'store');
    const args = [proxy.url, store, String(CHUNK), ...files.map((f) => join(dir, f.name))];

    const base = proxy.forwardedUp;
    const first = runChild(args);
    // Killed once the server has seen a third of the bytes (both TUS files are mid-way by then).
    while (proxy.forwardedUp - base < total / 3) {
      const exited = await Promise.race([
        first.done.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 10)),
      ]);
      if (exited) throw new Error(`the first child ended before it was killed: ${(await first.done).err}`);
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const sentBeforeKill = proxy.forwardedUp - base;
    expect(sentBeforeKill).toBeLessThan(total);
    expect(readdirSync(store).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    const second = await runChild(args).done;
    expect(second.err).toBe('');
    expect(second.code).toBe(0);
    const taskId = (JSON.parse(second.out.trim()) as { taskId: number }).taskId;
    // One task only: the second process found the first one's.
    expect([...emu.emulator.state.tasks.keys()]).toEqual([taskId]);
    expect(readdirSync(store).filter((f) => f.endsWith('.json'))).toEqual([]);

    const frames = emu.emulator.state.tasks.get(taskId)?.data?.frames ?? [];
    expect(frames.map((f) => f.name).sort()).toEqual([...expected.keys()].sort());
    for (const frame of frames) expect(await sha256File(frame.path)).toBe(expected.get(frame.name));

    const sent = proxy.forwardedUp - base;
    const resent = sent - total;
    // Request lines, headers and multipart framing of two runs stay well under 1 MiB.
    expect(resent).toBeLessThanOrEqual(large.length * CHUNK + MiB);
    console.log(
      `resume: ${(total / MiB).toFixed(0)} MiB in ${files.length} files; killed after ${sentBeforeKill} bytes; ` +
        `${sent} bytes sent in all, ${resent} more than the files (budget ${large.length * CHUNK + MiB})`,
    );
  }, 240_000);
});
