/** Resident memory of this process: now, and the peak so far (the kernel's high-water mark). */
export function rssNow(): number {
  return process.memoryUsage().rss;
}

export function peakRss(): number {
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS * 1024;
}

/** What a measured section of this process cost. */
export interface SectionCost {
  readonly ms: number;
  /** CPU time (user + system, all threads). */
  readonly cpuMs: number;
  /** The kernel's share of `cpuMs` (system calls, page faults, copies into the page cache). */
  readonly systemMs: number;
  /** Minor page faults: memory the process had to get from the kernel (fresh, or given back and taken again). */
  readonly pageFaults: number;
}

/** Starts measuring a section; the returned function tells what it cost so far. */
export function startSection(): () => SectionCost {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const faults = process.resourceUsage().minorPageFault;
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      ms: performance.now() - start,
      cpuMs: (used.user + used.system) / 1000,
      systemMs: used.system / 1000,
      pageFaults: process.resourceUsage().minorPageFault - faults,
    };
  };
}

export interface MemoryFigures {
  /** RSS once everything is loaded and warm, before the measured transfer. */
  readonly baselineRss: number;
  /** The process's peak RSS at the end. */
  readonly peakRss: number;
}
