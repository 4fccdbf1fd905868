/**
 * `npm run bench [-- flags]`: cvat-rx against the baselines a user would otherwise use (axios,
 * node:http, JSON.parse, curl), on this machine, in this run. Prints a table and writes
 * bench/results.json. A benchmark reports; it never fails on a missed goal. See bench/README.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curlVersion } from './lib/curl';
import { BenchEmulator, chooseEmulatorRoot } from './lib/emulator';
import { checkHost, describeHostCheck } from './lib/host-check';
import { setSettleMs } from './lib/settle';
import type { HostCheck } from './lib/host-check';
import { describeMachine } from './lib/machine';
import { BENCH_DIR, enableProfiles } from './lib/spawn';
import { renderTable } from './lib/table';
import type { Row } from './lib/table';
import { MiB } from './lib/stats';
import { autoAnnotateSuite } from './suites/auto-annotate';
import { decodeSuite } from './suites/decode-suite';
import { listSuite } from './suites/lists';
import { peerSuite } from './suites/peers';
import { perCallSuite } from './suites/percall';
import { pollingSuite } from './suites/polling';
import { pollingSimulationRows } from './suites/polling-sim';
import { transferSuite } from './suites/transfers';

const SUITES = ['percall', 'decode', 'transfers', 'lists', 'peers', 'polling', 'autoannotate'] as const;
type Suite = (typeof SUITES)[number];

interface Options {
  quick: boolean;
  runs: number;
  only: Set<Suite>;
  pollScale: number;
  chunkMiB: number | undefined;
  curl: boolean;
  profile: boolean;
  /** Emulator files on disk even where memory could hold them. */
  emulatorOnDisk: boolean;
  out: string;
}

const USAGE = `npm run bench -- [--quick] [--runs N] [--only ${SUITES.join(',')}] [--poll-scale X]
                   [--chunk-mib N] [--no-curl] [--profile] [--emulator-on-disk] [--out FILE]`;

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    quick: false,
    runs: 5,
    only: new Set(SUITES),
    pollScale: 1,
    chunkMiB: undefined,
    curl: true,
    profile: false,
    emulatorOnDisk: false,
    out: join(BENCH_DIR, 'results.json'),
  };
  let runsGiven = false;
  let scaleGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') {
      o.runs = Number(value());
      runsGiven = true;
    } else if (a === '--poll-scale') {
      o.pollScale = Number(value());
      scaleGiven = true;
    } else if (a === '--chunk-mib') o.chunkMiB = Number(value());
    else if (a === '--no-curl') o.curl = false;
    else if (a === '--profile') o.profile = true;
    else if (a === '--emulator-on-disk') o.emulatorOnDisk = true;
    else if (a === '--out') o.out = value();
    else if (a === '--only') {
      const wanted = value().split(',');
      const bad = wanted.filter((w) => !(SUITES as readonly string[]).includes(w));
      if (bad.length) throw new Error(`unknown suite ${bad.join(', ')}\n${USAGE}`);
      o.only = new Set(wanted as Suite[]);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${USAGE}`);
  }
  if (o.quick) {
    if (!runsGiven) o.runs = 3;
    if (!scaleGiven) o.pollScale = 0.1;
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
  if (!(o.pollScale > 0)) throw new Error('--poll-scale must be > 0');
  return o;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const curl = options.curl ? await curlVersion() : null;
  if (options.curl && curl === null)
    console.warn('curl not found: curl baselines skipped (apt-get install -y curl, see bench/README.md)');
  const machine = describeMachine(curl);
  const sizes = options.quick
    ? { bigBytes: 256 * MiB, smallCount: 1000, smallSize: 64 * 1024, frames: 200, frameConcurrency: 8 }
    : { bigBytes: 1024 * MiB, smallCount: 5000, smallSize: 64 * 1024, frames: 1000, frameConcurrency: 8 };
  // Quick runs are for trying things out: no pause for memory to settle between samples.
  if (options.quick) setSettleMs(0);
  const transferSizes = options.chunkMiB ? { ...sizes, chunkSize: options.chunkMiB * MiB } : sizes;
  const lists = { count: options.quick ? 2000 : 10_000, pageSize: 100, prefetch: 2 };
  const shapes = options.quick ? 20_000 : 100_000;
  const durations = [1000, 10_000, 60_000].map((d) => Math.round(d * options.pollScale));

  // Peak: a kept 1 GiB task, the upload under way, its backup, and room to spare.
  const emulatorRoot = options.emulatorOnDisk
    ? { dir: undefined, why: 'disk (--emulator-on-disk)' }
    : chooseEmulatorRoot(4 * sizes.bigBytes + 2 * 1024 * MiB);
  BenchEmulator.useWorkRoot(emulatorRoot.dir);
  const tmp = mkdtempSync(join(tmpdir(), 'cvat-rx-bench-'));
  const cleanup = (): void => rmSync(tmp, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    BenchEmulator.removeOpenFolders();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (options.profile) {
    const dir = join(tmpdir(), `cvat-rx-bench-profiles-${Date.now()}`);
    enableProfiles(dir);
    console.log(`CPU profiles of the measured processes go to ${dir}`);
  }

  const log = (line: string): void => console.log(`  · ${line}`);
  const started = Date.now();
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const notes: string[] = [];
  console.log(
    `cvat-rx bench — ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `load ${machine.loadAverageAtStart.join(' ')}${options.quick ? ' — QUICK run (smaller sizes, not the reference figures)' : ''}`,
  );
  console.log(`emulator files in ${emulatorRoot.why}`);
  const host: { start: HostCheck; end?: HostCheck } = { start: checkHost(tmp) };
  console.log(`host check at the start: ${describeHostCheck(host.start)}`);
  try {
    if (options.only.has('decode')) {
      console.log('decode…');
      const r = decodeSuite(shapes, options.runs);
      rows.push(...r.rows);
      raw.decode = r.raw;
      if (r.skipped) notes.push(r.skipped);
    }
    if (options.only.has('percall')) {
      console.log('per-call…');
      const r = await perCallSuite(2000, options.runs);
      rows.push(...r.rows);
      raw.percall = r.raw;
    }
    if (options.only.has('transfers')) {
      console.log('transfers…');
      const r = await transferSuite(tmp, transferSizes, options.runs, curl !== null, log);
      rows.push(...r.rows);
      raw.transfers = r.raw;
    }
    if (options.only.has('lists')) {
      console.log('lists…');
      const r = await listSuite(lists.count, lists.pageSize, lists.prefetch, options.runs);
      rows.push(...r.rows);
      raw.lists = r.raw;
    }
    if (options.only.has('peers')) {
      console.log('cvat-sdk (same work, same emulator)…');
      const r = await peerSuite(tmp, { ...sizes, tasks: lists.count }, options.runs, log);
      rows.push(...r.rows);
      raw.peers = r.raw;
    }
    if (options.only.has('polling')) {
      console.log(`polling (${durations.map((d) => `${d} ms`).join(', ')}, runs concurrent)…`);
      const r = await pollingSuite(durations, options.runs);
      rows.push(...r.rows, ...pollingSimulationRows(durations));
      raw.polling = r.raw;
      if (options.pollScale !== 1) notes.push(`polling durations scaled by ${options.pollScale}`);
    }
    if (options.only.has('autoannotate')) {
      console.log('auto-annotation…');
      const r = await autoAnnotateSuite(sizes.frames, sizes.frameConcurrency, options.runs);
      rows.push(...r.rows);
      raw.autoAnnotate = r.raw;
    }
    host.end = checkHost(tmp);
  } finally {
    cleanup();
  }

  const table = renderTable(rows);
  console.log(`\n${table}\n`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`host check at the start: ${describeHostCheck(host.start)}`);
  if (host.end) console.log(`host check at the end:   ${describeHostCheck(host.end)}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `${rows.filter((r) => r.met === false).length} goal(s) missed; ${seconds} s. Results: ${options.out}`,
  );
  writeFileSync(
    options.out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine,
        host,
        emulatorFiles: emulatorRoot.why,
        options: { ...options, only: [...options.only] },
        sizes,
        seconds,
        notes,
        rows,
        table,
        raw,
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
