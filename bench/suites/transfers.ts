import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { curlBulkUpload, curlDownload, curlFrames, curlTusUpload } from '../lib/curl';
import { BenchEmulator } from '../lib/emulator';
import { writeImageFile, writeSmallImages } from '../lib/files';
import { settleMemory } from '../lib/settle';
import { runChild, withServerCpu } from '../lib/spawn';
import { max, median } from '../lib/stats';
import { fmtMibps, mib, mibps } from '../lib/table';
import type { Row } from '../lib/table';
import type { FramesResult, TransferResult } from './transfer-child';

export interface TransferSizes {
  readonly bigBytes: number;
  readonly smallCount: number;
  readonly smallSize: number;
  readonly frames: number;
  readonly frameConcurrency: number;
  /** cvat-rx's TUS chunk (undefined: the library default, 10 MiB). */
  readonly chunkSize?: number;
}

interface Measured {
  readonly rx: TransferResult[];
  readonly curlMs: number[];
  /** The emulator's CPU time during each curl run. */
  readonly curlServerCpuMs: number[];
}

export interface TransferRaw {
  upload1: Measured;
  /** The same file by hand-written node:http (one streamed PATCH): Node's own share of a gap. */
  upload1Node: TransferResult[];
  uploadMany: Measured;
  frames: { rx: FramesResult[]; curlMs: number[]; curlServerCpuMs: number[] };
  /** The same frames through plain axios and node:http: where the gap to curl comes from. */
  framesAxios: FramesResult[];
  framesHttp: FramesResult[];
  /** The same frames by hand over node:net (bare-http.ts): the best a Node process does here. */
  framesBare: FramesResult[];
  download1: Measured;
}

const RSS_GOAL = 150 * 1e6;
const MAX_REQUEST_SIZE = 100 * 2 ** 20; // cvat-rx's bulk group limit (src/transfer/plan.ts), mirrored for curl

/** Uploads and downloads against one emulator, cvat-rx (child process) and curl interleaved run by run. */
export async function transferSuite(
  tmp: string,
  sizes: TransferSizes,
  runs: number,
  withCurl: boolean,
  log: (line: string) => void,
): Promise<{ rows: Row[]; raw: TransferRaw }> {
  const emu = await BenchEmulator.start(0);
  const raw: TransferRaw = {
    upload1: { rx: [], curlMs: [], curlServerCpuMs: [] },
    upload1Node: [],
    uploadMany: { rx: [], curlMs: [], curlServerCpuMs: [] },
    frames: { rx: [], curlMs: [], curlServerCpuMs: [] },
    framesAxios: [],
    framesHttp: [],
    framesBare: [],
    download1: { rx: [], curlMs: [], curlServerCpuMs: [] },
  };
  const settle = async (taskId: number, keep: boolean): Promise<void> => {
    const rq = emu.running.emulator.state.tasks.get(taskId)?.data_rq_id;
    if (rq) await emu.waitRequest(rq);
    if (!keep) emu.dropTaskMedia(taskId);
  };
  /** An upload into a new task, whose media is then dropped unless `keep` (later sections use it). */
  const inNewTask = async <T>(
    name: string,
    keep: boolean,
    upload: (taskId: number) => Promise<T>,
  ): Promise<{ taskId: number; result: T }> => {
    const taskId = await emu.createTask(name);
    const result = await upload(taskId);
    await settle(taskId, keep);
    return { taskId, result };
  };
  try {
    // ---- one big file (TUS)
    const big = join(tmp, 'big.png');
    log(`writing ${mib(sizes.bigBytes)} test file`);
    await writeImageFile(big, sizes.bigBytes);
    let bigTask = 0;
    for (let r = 0; r < runs; r++) {
      await rotated(r, settleMemory, [
        async () => {
          const { taskId, result } = await inNewTask(`upload-big-rx-${r}`, r === 0, (id) =>
            runChild<TransferResult>({
              kind: 'upload',
              url: emu.url,
              taskId: id,
              file: big,
              bytes: sizes.bigBytes,
              ...(sizes.chunkSize ? { chunkSize: sizes.chunkSize } : {}),
            }),
          );
          raw.upload1.rx.push(result);
          if (r === 0) bigTask = taskId;
        },
        async () => {
          const { result } = await inNewTask(`upload-big-node-${r}`, false, (id) =>
            runChild<TransferResult>({
              kind: 'upload-node',
              url: emu.url,
              taskId: id,
              file: big,
              bytes: sizes.bigBytes,
            }),
          );
          raw.upload1Node.push(result);
        },
        async () => {
          if (!withCurl) return;
          const { result } = await inNewTask(`upload-big-curl-${r}`, false, (id) =>
            withServerCpu(() => curlTusUpload(emu.url, id, big, sizes.bigBytes)),
          );
          raw.upload1.curlMs.push(result.value);
          raw.upload1.curlServerCpuMs.push(result.serverCpuMs);
        },
      ]);
      log(`upload ${mib(sizes.bigBytes)} run ${r + 1}/${runs}`);
    }

    // ---- many small files (bulk multipart groups)
    const smallDir = join(tmp, 'small');
    const paths = writeSmallImages(smallDir, sizes.smallCount, sizes.smallSize);
    const perGroup = Math.max(1, Math.floor(MAX_REQUEST_SIZE / sizes.smallSize));
    const groups: string[][] = [];
    for (let i = 0; i < paths.length; i += perGroup) groups.push(paths.slice(i, i + perGroup));
    const manyBytes = sizes.smallCount * sizes.smallSize;
    let framesTask = 0;
    for (let r = 0; r < runs; r++) {
      await rotated(r, settleMemory, [
        async () => {
          const { taskId, result } = await inNewTask(`upload-many-rx-${r}`, r === 0, (id) =>
            runChild<TransferResult>({
              kind: 'upload',
              url: emu.url,
              taskId: id,
              dir: smallDir,
              bytes: manyBytes,
            }),
          );
          raw.uploadMany.rx.push(result);
          if (r === 0) framesTask = taskId;
        },
        async () => {
          if (!withCurl) return;
          const { result } = await inNewTask(`upload-many-curl-${r}`, false, (id) =>
            withServerCpu(() => curlBulkUpload(emu.url, id, groups, 2, join(tmp, 'bulk.curlrc'))),
          );
          raw.uploadMany.curlMs.push(result.value);
          raw.uploadMany.curlServerCpuMs.push(result.serverCpuMs);
        },
      ]);
      log(`upload ${sizes.smallCount} files run ${r + 1}/${runs}`);
    }

    // ---- frames
    const frames = Math.min(sizes.frames, sizes.smallCount);
    for (let r = 0; r < runs; r++) {
      const framesJob = {
        kind: 'frames',
        url: emu.url,
        taskId: framesTask,
        count: frames,
        concurrency: sizes.frameConcurrency,
      };
      await rotated(r, undefined, [
        async () =>
          void raw.frames.rx.push(await runChild<FramesResult>({ ...framesJob, client: 'cvat-rx' })),
        async () =>
          void raw.framesAxios.push(await runChild<FramesResult>({ ...framesJob, client: 'axios' })),
        async () => void raw.framesHttp.push(await runChild<FramesResult>({ ...framesJob, client: 'http' })),
        async () => void raw.framesBare.push(await runChild<FramesResult>({ ...framesJob, client: 'bare' })),
        async () => {
          if (!withCurl) return;
          const { value, serverCpuMs } = await withServerCpu(() =>
            curlFrames(emu.url, framesTask, frames, sizes.frameConcurrency, join(tmp, 'frames.curlrc')),
          );
          raw.frames.curlMs.push(value);
          raw.frames.curlServerCpuMs.push(serverCpuMs);
        },
      ]);
      log(`frames run ${r + 1}/${runs}`);
    }

    // ---- one big download (a task backup holding the big file)
    log('exporting the big task backup');
    const backup = await emu.exportBackup(bigTask);
    const path = `/api/tasks/${bigTask}/backup/download?rq_id=${encodeURIComponent(backup.rqId)}`;
    for (let r = 0; r < runs; r++) {
      await rotated(r, settleMemory, [
        async () => {
          const target = join(tmp, 'download-rx.zip');
          raw.download1.rx.push(
            await runChild<TransferResult>({ kind: 'download', url: emu.url, path, target }),
          );
          rmSync(target, { force: true });
        },
        async () => {
          if (!withCurl) return;
          const t2 = join(tmp, 'download-curl.zip');
          const { value, serverCpuMs } = await withServerCpu(() => curlDownload(emu.url, path, t2));
          raw.download1.curlMs.push(value);
          raw.download1.curlServerCpuMs.push(serverCpuMs);
          rmSync(t2, { force: true });
        },
      ]);
      log(`download ${mib(backup.size)} run ${r + 1}/${runs}`);
    }
    rmSync(backup.path, { force: true });

    const rows: Row[] = [
      ...throughputRows(
        'upload',
        `1 file of ${mib(sizes.bigBytes)} (TUS)`,
        raw.upload1,
        sizes.bigBytes,
        runs,
        true,
      ),
      nodeUploadRow(raw, sizes.bigBytes, runs),
      ...throughputRows(
        'upload',
        `${sizes.smallCount.toLocaleString('en')} files of ${(sizes.smallSize / 1024).toFixed(0)} KiB (bulk)`,
        raw.uploadMany,
        manyBytes,
        runs,
        false,
      ),
      ...throughputRows(
        'download',
        `${frames.toLocaleString('en')} frames, ${sizes.frameConcurrency} at a time (second pass)`,
        raw.frames,
        frames * sizes.smallSize,
        runs,
        false,
      ),
      ...frameBaselineRows(raw, frames * sizes.smallSize, frames, sizes.frameConcurrency, runs),
      ...throughputRows(
        'download',
        `1 backup of ${mib(backup.size)} to disk`,
        raw.download1,
        backup.size,
        runs,
        true,
      ),
    ];
    return { rows, raw };
  } finally {
    await emu.close();
  }
}

/**
 * One run's measurements, in an order rotated by the run index: no client always goes first (the
 * page cache, dirty pages being written back and the emulator's warmth then favour none). `before`
 * runs before each (settleMemory for the rows that allocate a lot).
 */
async function rotated(
  run: number,
  before: (() => Promise<void>) | undefined,
  steps: ReadonlyArray<() => Promise<void>>,
): Promise<void> {
  for (let k = 0; k < steps.length; k++) {
    await before?.();
    await steps[(run + k) % steps.length]!();
  }
}

/** The client's median CPU time, beside its throughput: a client near its wall time is CPU-bound. */
function cpuNote(results: readonly TransferResult[]): string {
  const cpu = results.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs]));
  if (cpu.length === 0) return '';
  const wall = `${(median(results.map((r) => r.ms)) / 1000).toFixed(2)} s`;
  return `, CPU ${(median(cpu) / 1000).toFixed(2)} s of ${wall}${faultNote(results)}${emulatorNote(results.map((r) => r.serverCpuMs))}`;
}

/** The client's median minor page faults, in thousands (4 KiB pages it got from the kernel). */
function faultNote(results: readonly TransferResult[]): string {
  const faults = results.flatMap((r) => (r.pageFaults === undefined ? [] : [r.pageFaults]));
  return faults.length === 0 ? '' : `, ${(median(faults) / 1000).toFixed(0)}k page faults`;
}

/**
 * The emulator's median CPU time during the runs of a row: near the row's wall time, the emulator
 * (one thread) is what limits it.
 */
export function emulatorNote(serverCpuMs: ReadonlyArray<number | undefined>): string {
  const known = serverCpuMs.filter((ms): ms is number => ms !== undefined);
  return known.length === 0 ? '' : `; emulator CPU ${(median(known) / 1000).toFixed(2)} s`;
}

function throughputRows(
  section: string,
  name: string,
  m: Measured,
  bytes: number,
  runs: number,
  rssGoal: boolean,
): Row[] {
  const rx = median(m.rx.map((x) => mibps(bytes, x.ms)));
  const curl = m.curlMs.length ? median(m.curlMs.map((ms) => mibps(bytes, ms))) : null;
  const growth = m.rx.map((x) => x.peakRss - x.baselineRss);
  const medGrowth = median(growth);
  const maxGrowth = max(growth);
  return [
    {
      section,
      name: `${name}: throughput`,
      cvatRx: `${fmtMibps(rx)}${cpuNote(m.rx)}`,
      baseline:
        curl === null
          ? 'curl skipped'
          : `${fmtMibps(curl)} (curl, ${(median(m.curlMs) / 1000).toFixed(2)} s${emulatorNote(m.curlServerCpuMs)})`,
      ratio: curl === null ? null : rx / curl,
      goal: '≥ 0.85× curl',
      met: curl === null ? null : rx / curl >= 0.85,
      runs,
    },
    {
      section,
      name: `${name}: RSS growth of the client`,
      cvatRx: `${(medGrowth / 1e6).toFixed(0)} MB (max ${(maxGrowth / 1e6).toFixed(0)})`,
      baseline: `base ${(median(m.rx.map((x) => x.baselineRss)) / 1e6).toFixed(0)} MB`,
      ratio: null,
      goal: rssGoal ? '≤ 150 MB' : '(informational)',
      met: rssGoal ? maxGrowth <= RSS_GOAL : null,
      runs,
    },
  ];
}

/** Informational: plain axios, node:http and the bare socket client on the same frames, against curl. */
function frameBaselineRows(
  raw: TransferRaw,
  bytes: number,
  frames: number,
  concurrency: number,
  runs: number,
): Row[] {
  const curl = raw.frames.curlMs.length ? median(raw.frames.curlMs.map((ms) => mibps(bytes, ms))) : null;
  const rx = median(raw.frames.rx.map((x) => mibps(bytes, x.ms)));
  const rxCold = median(raw.frames.rx.map((x) => mibps(bytes, x.coldMs)));
  const cold: Row = {
    section: 'download',
    name: `${frames.toLocaleString('en')} frames, ${concurrency} at a time: first pass of a fresh process`,
    cvatRx: fmtMibps(rxCold),
    baseline: curl === null ? 'curl skipped' : `${fmtMibps(curl)} (curl)`,
    ratio: curl === null ? null : rxCold / curl,
    goal: '(informational)',
    met: null,
    runs,
  };
  return [
    cold,
    ...(
      [
        ['plain axios', raw.framesAxios],
        ['node:http', raw.framesHttp],
        ['bare node:net', raw.framesBare],
      ] as const
    ).map(([client, results]): Row => {
      const v = median(results.map((x) => mibps(bytes, x.ms)));
      return {
        section: 'download',
        name: `${frames.toLocaleString('en')} frames, ${concurrency} at a time: ${client} (cvat-rx ÷ ${client} in Ratio)`,
        cvatRx: fmtMibps(rx),
        baseline: `${fmtMibps(v)} (${client}${curl === null ? '' : `; ${(v / curl).toFixed(2)}× curl`}${emulatorNote(results.map((x) => x.serverCpuMs))})`,
        ratio: rx / v,
        goal: '(informational)',
        met: null,
        runs,
      };
    }),
  ];
}

/** Informational: the hand-written node:http upload of the big file, against curl. */
function nodeUploadRow(raw: TransferRaw, bytes: number, runs: number): Row {
  const rx = median(raw.upload1.rx.map((x) => mibps(bytes, x.ms)));
  const node = median(raw.upload1Node.map((x) => mibps(bytes, x.ms)));
  const curl = raw.upload1.curlMs.length ? median(raw.upload1.curlMs.map((ms) => mibps(bytes, ms))) : null;
  return {
    section: 'upload',
    name: `1 file of ${mib(bytes)}: node:http, one streamed PATCH (cvat-rx ÷ node:http in Ratio)`,
    cvatRx: fmtMibps(rx),
    baseline: `${fmtMibps(node)} (node:http${curl === null ? '' : `; ${(node / curl).toFixed(2)}× curl`})`,
    ratio: rx / node,
    goal: '(informational)',
    met: null,
    runs,
  };
}
