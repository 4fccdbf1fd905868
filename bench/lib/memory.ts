/** Resident memory of this process: now, and the peak so far (the kernel's high-water mark). */
export function rssNow(): number {
  return process.memoryUsage().rss;
}

export function peakRss(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS * 1024;
}

export interface MemoryFigures {
  /** RSS once everything is loaded and warm, before the measured transfer. */
  readonly baselineRss: number;
  /** The process's peak RSS at the end. */
  readonly peakRss: number;
}
