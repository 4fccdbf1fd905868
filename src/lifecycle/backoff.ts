/**
 * The sleep between two polls of a waiter: capped exponential backoff with jitter, as AWS waiters
 * compute it. Pure, so tests pin `random` and assert the exact sequence.
 */

/**
 * How a delay is drawn below its ceiling:
 * - `full`: uniform in [minDelayMs, ceiling] (AWS waiters); spreads clients the most.
 * - `equal`: uniform in [ceiling / 2, ceiling], never below minDelayMs; keeps half the backoff.
 * - `none`: exactly the ceiling; deterministic.
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffSettings {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: Jitter;
  /** A number in [0, 1), like `Math.random`. */
  readonly random: () => number;
}

/** Exponents past this already exceed any sensible cap; stops 2^n from overflowing. */
const MAX_EXPONENT = 30;

/**
 * The delay before poll `sleep + 1`; `sleep` is 1 for the sleep after the first poll.
 * The ceiling doubles from minDelayMs on each sleep and stops at maxDelayMs.
 */
export function backoffDelay(sleep: number, settings: BackoffSettings): number {
  const { minDelayMs, maxDelayMs } = settings;
  const exponent = Math.min(Math.max(sleep - 1, 0), MAX_EXPONENT);
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** exponent);
  switch (settings.jitter) {
    case 'none':
      return Math.round(ceiling);
    case 'equal':
      return Math.round(Math.max(minDelayMs, ceiling / 2 + (settings.random() * ceiling) / 2));
    case 'full':
      return Math.round(minDelayMs + settings.random() * (ceiling - minDelayMs));
  }
}
