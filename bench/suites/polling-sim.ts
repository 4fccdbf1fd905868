import { DEFAULT_MAX_DELAY_MS, DEFAULT_MIN_DELAY_MS, backoffDelay } from '../../src/lifecycle';
import type { BackoffSettings } from '../../src/lifecycle';
import { median } from '../lib/stats';
import { fmtMs } from '../lib/table';
import type { Row } from '../lib/table';

/** A small seeded PRNG (mulberry32), so that the simulation prints the same figures every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The waiter's sleeps (src/lifecycle/backoff.ts, the client's defaults: 200 ms → 5 s, full
 * jitter) replayed without a server: polls at 0, then after each sleep; detection is the first
 * poll at or after the request's end (its duration drawn in [d, 1.1 d]). `proportional` applies the waiter's
 * `maxLateness` cap (default 0.1, src/lifecycle/waiter.ts): no sleep longer than 10% of the time
 * waited so far (never below the minimum); without it, the backoff as it was before that fix.
 */
function simulate(
  durationMs: number,
  proportional: boolean,
  random: () => number,
): { delay: number; polls: number } {
  const settings: BackoffSettings = {
    minDelayMs: DEFAULT_MIN_DELAY_MS,
    maxDelayMs: DEFAULT_MAX_DELAY_MS,
    jitter: 'full',
    random,
  };
  let t = 0;
  let polls = 1;
  for (let sleep = 1; t < durationMs; sleep++) {
    let d = backoffDelay(sleep, settings);
    if (proportional) d = Math.min(d, Math.max(settings.minDelayMs, 0.1 * t));
    t += d;
    polls++;
  }
  return { delay: t - durationMs, polls };
}

/** Before/after figures of the polling fix (`maxLateness`), 1,000 simulated requests per duration. */
export function pollingSimulationRows(durationsMs: readonly number[]): Row[] {
  return durationsMs.flatMap((duration) =>
    ([false, true] as const).map((proportional): Row => {
      const random = seeded(42);
      // Durations spread over +0–10%, as real requests never end exactly on a poll.
      const runs = Array.from({ length: 1000 }, () =>
        simulate(duration * (1 + 0.1 * random()), proportional, random),
      );
      const delay = median(runs.map((r) => r.delay));
      const p95 = [...runs.map((r) => r.delay)].sort((a, b) => a - b)[949]!;
      const allowed = Math.max(250, 0.1 * duration);
      return {
        section: 'polling (simulated)',
        name: `${fmtMs(duration)} request, ${proportional ? 'now: sleeps ≤ 10% of the time waited' : 'before: backoff alone'}`,
        cvatRx: `+${fmtMs(delay)} (p95 ${fmtMs(p95)}), ${median(runs.map((r) => r.polls))} GETs`,
        baseline: `allowed ${fmtMs(allowed)}`,
        ratio: delay / allowed,
        goal: '≤ max(250 ms, 10% elapsed)',
        met: null,
        runs: 1000,
      };
    }),
  );
}
