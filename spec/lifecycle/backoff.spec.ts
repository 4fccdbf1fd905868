import { backoffDelay } from '../../src/lifecycle/backoff';
import type { BackoffSettings, Jitter } from '../../src/lifecycle/backoff';

const settings = (jitter: Jitter, random: number): BackoffSettings => ({
  minDelayMs: 250,
  maxDelayMs: 5000,
  jitter,
  random: () => random,
});

const sequence = (s: BackoffSettings, n: number): number[] =>
  Array.from({ length: n }, (_, i) => backoffDelay(i + 1, s));

describe('backoffDelay', () => {
  it('without jitter doubles from the minimum and stops at the maximum', () => {
    expect(sequence(settings('none', 0.5), 8)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('with full jitter draws uniformly between the minimum and the ceiling', () => {
    expect(sequence(settings('full', 0), 7)).toEqual([250, 250, 250, 250, 250, 250, 250]);
    expect(sequence(settings('full', 0.5), 7)).toEqual([250, 375, 625, 1125, 2125, 2625, 2625]);
    // random() < 1, so the ceiling itself is approached, never passed.
    expect(sequence(settings('full', 0.999999), 7).every((d, i) => d <= Math.min(5000, 250 * 2 ** i))).toBe(
      true,
    );
  });

  it('with equal jitter keeps at least half the ceiling and never goes below the minimum', () => {
    expect(sequence(settings('equal', 0), 7)).toEqual([250, 250, 500, 1000, 2000, 2500, 2500]);
    expect(sequence(settings('equal', 0.5), 7)).toEqual([250, 375, 750, 1500, 3000, 3750, 3750]);
  });

  it('does not overflow for very late sleeps', () => {
    expect(backoffDelay(10_000, settings('none', 0))).toBe(5000);
  });
});
