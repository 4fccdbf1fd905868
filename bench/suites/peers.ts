/**
 * cvat-rx against CVAT's own Python SDK (cvat-sdk 2.73.0, in .venv-cvat set up by
 * tools/peers/setup.sh): the same work on the same emulator, each done the way its users would
 * (bench/suites/peer-child.ts, bench/peers/sdk_bench.py). Ratio = cvat-rx ÷ cvat-sdk throughput.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { settleMemory } from '../lib/settle';
import { BENCH_DIR, runChild, runMeasured, runProcess } from '../lib/spawn';
import { BenchEmulator, PASSWORD, USER } from '../lib/emulator';
import { writeImageFile, writeSmallImages } from '../lib/files';
import { median } from '../lib/stats';
import { fmtMibps, mib, mibps } from '../lib/table';
import type { Row } from '../lib/table';
import type { PeerJob, PeerResult } from './peer-child';

const ROOT = join(BENCH_DIR, '..');
const PYTHON = join(ROOT, '.venv-cvat', 'bin', 'python');
const SCRIPT = join(BENCH_DIR, 'peers', 'sdk_bench.py');

export interface PeerSizes {
  readonly bigBytes: number;
  readonly smallCount: number;
  readonly smallSize: number;
  readonly frames: number;
  readonly tasks: number;
}

/** The venv's python, set up when missing; null (with the reason) when it cannot be. */
export async function sdkPython(log: (line: string) => void): Promise<string | { skipped: string }> {
  if (!existsSync(PYTHON)) {
    log('setting up cvat-sdk in .venv-cvat (tools/peers/setup.sh)');
    const setup = await runProcess('bash', [join(ROOT, 'tools', 'peers', 'setup.sh')]);
    if (setup.code !== 0) return { skipped: `tools/peers/setup.sh failed: ${setup.stderr.trim()}` };
    if (!existsSync(PYTHON)) return { skipped: setup.stderr.trim() || 'python3 with venv is not available' };
  }
  return PYTHON;
}

type Results = Record<PeerJob, { rx: PeerResult[]; sdk: PeerResult[] }>;

/** What each job's row says, and its goal (issue #19: ≥ 2× for frames and the bulk upload). */
const JOBS: Record<PeerJob, { what: string; goal: number; unit: 'bytes' | 'items' }> = {
  'create-big': { what: 'create_from_data, 1 file', goal: 1, unit: 'bytes' },
  'create-many': { what: 'create_from_data, many files', goal: 2, unit: 'bytes' },
  frames: { what: 'frames kept in memory (get_frame)', goal: 2, unit: 'bytes' },
  download: { what: 'task backup to disk (download_backup)', goal: 1, unit: 'bytes' },
  list: { what: 'tasks.list() to the end', goal: 1, unit: 'items' },
};

export async function peerSuite(
  tmp: string,
  sizes: PeerSizes,
  runs: number,
  log: (line: string) => void,
): Promise<{ rows: Row[]; raw: Results | { skipped: string } }> {
  const python = await sdkPython(log);
  if (typeof python !== 'string') {
    console.warn(`cvat-sdk rows skipped: ${python.skipped}`);
    return { rows: [skippedRow(python.skipped, runs)], raw: python };
  }
  const emu = await BenchEmulator.start(0);
  const results = Object.fromEntries(
    Object.keys(JOBS).map((job) => [job, { rx: [], sdk: [] }]),
  ) as unknown as Results;
  const rx = (job: Record<string, unknown>): Promise<PeerResult> =>
    runChild<PeerResult>({ kind: 'peer', url: emu.url, ...job });
  const sdk = (job: Record<string, unknown>): Promise<PeerResult> =>
    runMeasured<PeerResult>(
      python,
      [SCRIPT, JSON.stringify({ url: emu.url, user: USER, ...job })],
      'cvat-sdk',
      {
        ...process.env,
        PASS: PASSWORD,
      },
    );
  const settle = async (taskId: number | undefined, keep: boolean): Promise<void> => {
    if (taskId === undefined) return;
    const rq = emu.running.emulator.state.tasks.get(taskId)?.data_rq_id;
    if (rq) await emu.waitRequest(rq);
    if (!keep) emu.dropTaskMedia(taskId);
  };
  /** One run of a job by both clients, in an order that alternates run by run. */
  const both = async (r: number, job: PeerJob, args: Record<string, unknown>, keep = false) => {
    const order: Array<'rx' | 'sdk'> = r % 2 === 0 ? ['rx', 'sdk'] : ['sdk', 'rx'];
    const kept: Partial<Record<'rx' | 'sdk', number>> = {};
    for (const who of order) {
      if (job !== 'frames' && job !== 'list') await settleMemory();
      // Each side writes its own download, removed at once (cvat-sdk refuses an existing file).
      const target = typeof args.target === 'string' ? `${args.target}.${who}` : undefined;
      const result = await (who === 'rx' ? rx : sdk)({
        job,
        name: `${job}-${who}-${r}`,
        ...args,
        ...(target ? { target } : {}),
      });
      if (target) {
        rmSync(target, { force: true });
        // Each side's export made a backup as big as the task on the emulator's side too.
        emu.dropRequestResults();
      }
      results[job][who].push(result);
      await settle(result.taskId, keep);
      if (result.taskId !== undefined) kept[who] = result.taskId;
    }
    return kept;
  };
  try {
    const big = join(tmp, 'peer-big.png');
    await writeImageFile(big, sizes.bigBytes);
    let bigTask = 0;
    for (let r = 0; r < runs; r++) {
      const kept = await both(r, 'create-big', { file: big, bytes: sizes.bigBytes }, r === 0);
      if (r === 0) {
        bigTask = kept.rx!;
        if (kept.sdk !== undefined) emu.dropTaskMedia(kept.sdk);
      }
      log(`cvat-sdk: create_from_data ${mib(sizes.bigBytes)} run ${r + 1}/${runs}`);
    }
    rmSync(big, { force: true });
    const dir = join(tmp, 'peer-small');
    writeSmallImages(dir, sizes.smallCount, sizes.smallSize);
    let framesTask = 0;
    for (let r = 0; r < runs; r++) {
      const kept = await both(r, 'create-many', { dir, bytes: sizes.smallCount * sizes.smallSize }, r === 0);
      if (r === 0) {
        framesTask = kept.rx!;
        if (kept.sdk !== undefined) emu.dropTaskMedia(kept.sdk);
      }
      log(`cvat-sdk: create_from_data ${sizes.smallCount} files run ${r + 1}/${runs}`);
    }
    for (let r = 0; r < runs; r++) {
      await both(r, 'frames', { taskId: framesTask, count: sizes.frames });
      log(`cvat-sdk: ${sizes.frames} frames run ${r + 1}/${runs}`);
    }
    for (let r = 0; r < runs; r++) {
      await both(r, 'download', { taskId: bigTask, target: join(tmp, 'peer-backup.zip') });
      log(`cvat-sdk: backup download run ${r + 1}/${runs}`);
    }
    emu.dropTaskMedia(bigTask);
    await emu.createManyTasks(sizes.tasks);
    for (let r = 0; r < runs; r++) {
      await both(r, 'list', {});
      log(`cvat-sdk: tasks.list() run ${r + 1}/${runs}`);
    }
    return { rows: peerRows(results, sizes, runs), raw: results };
  } finally {
    await emu.close();
  }
}

function skippedRow(reason: string, runs: number): Row {
  return {
    section: 'cvat-sdk',
    name: 'cvat-sdk baselines',
    cvatRx: '—',
    baseline: `skipped: ${reason.slice(0, 60)}`,
    ratio: null,
    goal: '(skipped)',
    met: null,
    runs,
  };
}

function peerRows(results: Results, sizes: PeerSizes, runs: number): Row[] {
  const label: Record<PeerJob, string> = {
    'create-big': `${JOBS['create-big'].what} of ${mib(sizes.bigBytes)}`,
    'create-many': `create_from_data, ${sizes.smallCount.toLocaleString('en')} files of ${(sizes.smallSize / 1024).toFixed(0)} KiB`,
    frames: `${sizes.frames.toLocaleString('en')} ${JOBS.frames.what}`,
    download: JOBS.download.what,
    list: `${JOBS.list.what}, ${sizes.tasks.toLocaleString('en')} tasks`,
  };
  return (Object.keys(JOBS) as PeerJob[]).map((job) => {
    const { rx, sdk } = results[job];
    const rate = (r: PeerResult): number =>
      JOBS[job].unit === 'bytes' ? mibps(r.amount, r.ms) : r.amount / (r.ms / 1000);
    const fmt = (v: number): string => (JOBS[job].unit === 'bytes' ? fmtMibps(v) : `${v.toFixed(0)} tasks/s`);
    const note = (list: readonly PeerResult[]): string => {
      const wall = median(list.map((r) => r.ms)) / 1000;
      const cpu = median(list.map((r) => r.cpuMs)) / 1000;
      const server = list.flatMap((r) => (r.serverCpuMs === undefined ? [] : [r.serverCpuMs]));
      const emulator = server.length ? `; emulator CPU ${(median(server) / 1000).toFixed(2)} s` : '';
      return `${wall.toFixed(2)} s, CPU ${cpu.toFixed(2)} s${emulator}`;
    };
    const a = median(rx.map(rate));
    const b = median(sdk.map(rate));
    const goal = JOBS[job].goal;
    return {
      section: 'cvat-sdk',
      name: label[job],
      cvatRx: `${fmt(a)} (${note(rx)})`,
      baseline: `${fmt(b)} (cvat-sdk; ${note(sdk)})`,
      ratio: a / b,
      goal: `≥ ${goal}× cvat-sdk`,
      met: a / b >= goal,
      runs,
    };
  });
}
