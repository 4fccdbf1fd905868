import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The pause before each measured sample of a transfer that allocates a lot of memory (uploads the
 * emulator stores, downloads into the page cache), for both clients of a pair alike.
 *
 * Why: a virtual machine with free page reporting (Linux's page_reporting, which reports freed
 * memory about 2 s after it is freed) gives freed memory back to its host, and whoever needs
 * memory next faults it in again from the host, at several times the kernel time. Each sample
 * frees what it allocated (a dropped task's media, a deleted download), so without a pause the
 * sample that starts at once after it (the curl baseline, milliseconds later) got that memory
 * warm, while the one that starts a process first (cvat-rx's child, about a second) got it cold:
 * a bias against whichever side runs in a child (bench/README.md, ninth round). After the same
 * pause, both start from memory that has been handed back.
 */
export const SETTLE_MS = 3000;

let settleMs = SETTLE_MS;

/** `--quick` runs skip the pause (their figures are not the reference ones). */
export function setSettleMs(ms: number): void {
  settleMs = ms;
}

export function settleMemory(): Promise<void> {
  return settleMs > 0 ? sleep(settleMs) : Promise.resolve();
}
