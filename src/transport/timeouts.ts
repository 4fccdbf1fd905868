import type { Timeouts } from './types';

export type TimeoutPhase = 'connect' | 'idle';

/**
 * The two timers of one attempt. `connect` runs from the start until the connection is made
 * (Node: the socket's connect event; browsers: the first sign of life). `idle` then runs until the
 * end and is pushed back by every sign of activity (bytes handed to the socket, headers, response
 * chunks). `stop()` clears everything; no timer outlives the request. A value ≤ 0 or Infinity
 * disables a timer.
 */
export class Watchdog {
  private phase: TimeoutPhase | 'done' = 'connect';
  private handle: ReturnType<typeof setTimeout> | undefined;
  private lastActivity = 0;
  private dueAt = 0;

  constructor(
    private readonly timeouts: Timeouts,
    private readonly onTimeout: (phase: TimeoutPhase, ms: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.phase = 'connect';
    this.arm(this.timeouts.connectMs);
  }

  /** The connection is up: the connect timer ends, the idle timer starts. */
  connected(): void {
    if (this.phase !== 'connect') return;
    this.phase = 'idle';
    this.lastActivity = this.now();
    // Usually a kept-alive socket, at once: when the connect timer fires no later than the idle
    // one would, keep it (it re-checks the idle time when it fires) rather than make a second.
    const idleMs = this.timeouts.idleMs;
    const disabled = !(idleMs > 0) || idleMs === Infinity;
    if (disabled || this.handle === undefined || this.dueAt > this.lastActivity + idleMs) this.arm(idleMs);
  }

  /** Something moved; restarts the idle period (cheaply: the running timer re-checks when it fires). */
  activity(): void {
    if (this.phase === 'idle') this.lastActivity = this.now();
  }

  stop(): void {
    this.phase = 'done';
    this.clear();
  }

  private arm(ms: number): void {
    this.clear();
    if (!(ms > 0) || ms === Infinity) return;
    this.dueAt = this.now() + ms;
    this.handle = setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
    this.handle = undefined;
    if (this.phase === 'done') return;
    if (this.phase === 'idle') {
      const quiet = this.now() - this.lastActivity;
      const left = this.timeouts.idleMs - quiet;
      if (left > 0) {
        this.arm(left);
        return;
      }
    }
    const phase = this.phase;
    this.phase = 'done';
    this.onTimeout(phase, phase === 'connect' ? this.timeouts.connectMs : this.timeouts.idleMs);
  }

  private clear(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }
}
