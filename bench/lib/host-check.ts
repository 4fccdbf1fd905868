import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MiB, median, nowMs } from './stats';

/**
 * How fast the host is, right now, at what the transfer rows lean on besides the clients' code:
 * first touches of fresh memory (every socket read in Node gets a new buffer), writes into the
 * page cache (uploads land on the emulator's disk, downloads on the client's), and plain CPU.
 *
 * Load average says whether other processes ran; it does not see a virtual machine whose host is
 * busy. On this project's bench machine the same 1 GiB `dd` into the page cache took 0.29–3.2 s
 * within minutes, and the curl baselines moved with it. Measured at the start and at the end of a
 * run, these figures say whether two runs can be compared.
 */
export interface HostCheck {
  /** MiB/s of touching freshly allocated memory (page faults). */
  readonly freshMemoryMibps: number;
  /** MiB/s of writing a new file from one reused buffer (page cache, no fsync). */
  readonly pageCacheWriteMibps: number;
  /** Milliseconds of a fixed integer loop (CPU speed and steal). */
  readonly cpuLoopMs: number;
  /**
   * MiB the kernel could give without swapping (Linux's MemAvailable; absent elsewhere). Files in
   * a tmpfs such as /dev/shm hold memory until deleted, and the page-cache writes of a download
   * are throttled sooner when less is available: in #19's eighth round, 11 GB of emulator roots
   * left in /dev/shm by interrupted scratch runs went unnoticed, and the 1 GiB download measured
   * 0.63-0.69x curl; with them gone, 1.32x (bench/README.md, ninth round).
   */
  readonly availableMemoryMib?: number;
}

const SAMPLES = 3;

export function checkHost(tmp: string, mib = 256): HostCheck {
  const dir = mkdtempSync(join(tmp, 'host-check-'));
  try {
    return {
      freshMemoryMibps: median(Array.from({ length: SAMPLES }, () => freshMemory(mib))),
      pageCacheWriteMibps: median(Array.from({ length: SAMPLES }, () => pageCacheWrite(dir, mib))),
      cpuLoopMs: median(Array.from({ length: SAMPLES }, cpuLoop)),
      ...availableMemory(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function freshMemory(mib: number): number {
  // allocUnsafeSlow: not zeroed, not pooled, so every page is first touched by fill().
  const buffer = Buffer.allocUnsafeSlow(mib * MiB);
  const start = nowMs();
  buffer.fill(1);
  return mib / ((nowMs() - start) / 1000);
}

function pageCacheWrite(dir: string, mib: number): number {
  const piece = Buffer.alloc(4 * MiB, 1);
  const path = join(dir, 'write.bin');
  const start = nowMs();
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < mib * MiB; written += piece.byteLength) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
  const mibps = mib / ((nowMs() - start) / 1000);
  rmSync(path, { force: true });
  return mibps;
}

function availableMemory(): { availableMemoryMib?: number } {
  try {
    const kib = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    return kib === undefined ? {} : { availableMemoryMib: Math.round(Number(kib) / 1024) };
  } catch {
    return {};
  }
}

function cpuLoop(): number {
  const start = nowMs();
  let x = 1;
  for (let i = 0; i < 200_000_000; i++) x = (x ^ (x << 13) ^ (x >>> 7) ^ i) | 0;
  const ms = nowMs() - start;
  // Keeps the loop from being optimised away.
  if (x === 0.5) console.log(x);
  return ms;
}

export function describeHostCheck(check: HostCheck): string {
  return (
    `fresh memory ${check.freshMemoryMibps.toFixed(0)} MiB/s, ` +
    `page-cache writes ${check.pageCacheWriteMibps.toFixed(0)} MiB/s, ` +
    `CPU loop ${check.cpuLoopMs.toFixed(0)} ms` +
    (check.availableMemoryMib === undefined
      ? ''
      : `, memory available ${check.availableMemoryMib.toLocaleString('en')} MiB`)
  );
}
