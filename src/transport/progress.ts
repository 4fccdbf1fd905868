/** The smallest step between two progress events: frequent enough for a bar, not one event per chunk. */
export const PROGRESS_STEP = 64 * 1024;

/**
 * Counts bytes and reports them in steps of at least `step` bytes, always monotonic; `finish()`
 * reports the final count once (so the last event of a complete body has loaded === total).
 */
export class ProgressMeter {
  private loaded = 0;
  private reported = -1;

  constructor(
    private readonly report: (loaded: number) => void,
    private readonly step: number = PROGRESS_STEP,
  ) {}

  get bytes(): number {
    return this.loaded;
  }

  add(bytes: number): void {
    if (bytes <= 0) return;
    this.loaded += bytes;
    if (this.loaded - Math.max(this.reported, 0) >= this.step) this.emit();
  }

  finish(): void {
    if (this.reported !== this.loaded) this.emit();
  }

  private emit(): void {
    this.reported = this.loaded;
    this.report(this.loaded);
  }
}
