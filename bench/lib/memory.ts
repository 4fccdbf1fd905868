/** Resident memory of this process: now, and the peak so far (the kernel's high-water mark). */
export function rssNow(): number {
  return process.memoryUsage().rss;
}

export function peakRss(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Page faults of this process so far that the kernel served without I/O (fresh or returned memory
 * touched again): a transfer's count shows how much of its memory it had to get from the kernel.
 */
export function minorFaults(): number {
  return process.resourceUsage().minorPageFault;
}

export interface MemoryFigures {
  /** RSS once everything is loaded and warm, before the measured transfer. */
  readonly baselineRss: number;
  /** The process's peak RSS at the end. */
  readonly peakRss: number;
}
