import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';

/** What a long operation is doing: sending bytes, waiting for the server, receiving bytes. */
export type TransferPhase = 'upload' | 'processing' | 'download';

/**
 * Progress within one phase. `loaded` never decreases within a phase; for uploads the last event
 * has `loaded === total`. Processing progress is the server's fraction (`total: 1`).
 */
export interface ProgressEvent {
  readonly type: 'progress';
  readonly phase: TransferPhase;
  readonly loaded: number;
  readonly total?: number;
  readonly message?: string;
  /** 0..100 when the total is known (filled by `toProgressView()`). */
  readonly percent?: number;
  /** Units (bytes for transfers) per second over the recent window (filled by `toProgressView()`). */
  readonly rate?: number;
  /** Seconds left at the current rate, when the total and a rate are known (filled by `toProgressView()`). */
  readonly etaSeconds?: number;
}

/** The value of a long operation; the last event of its stream. */
export interface ResultEvent<T> {
  readonly type: 'result';
  readonly value: T;
}

/** The event stream of a long operation observed with `{ observe: 'events' }`. */
export type TransferEvent<T> = ProgressEvent | ResultEvent<T>;

export const isProgressEvent = <T>(event: TransferEvent<T>): event is ProgressEvent =>
  event.type === 'progress';
export const isResultEvent = <T>(event: TransferEvent<T>): event is ResultEvent<T> => event.type === 'result';

/**
 * A progress event as `toProgressView()` emits it (the same type: one event type for progress).
 * @deprecated Name `ProgressEvent`.
 */
export type ProgressView = ProgressEvent;

/**
 * What `toProgressView()` emits: the same events, throttled and with percent, rate and ETA.
 * @deprecated Name `TransferEvent<T>`.
 */
export type TransferView<T> = TransferEvent<T>;

export interface ProgressViewOptions {
  /** The minimum time between two progress views of one phase (default 100 ms). */
  readonly intervalMs?: number;
  /** How far back the rate looks (default 5000 ms). */
  readonly rateWindowMs?: number;
  /** The clock and timer source (default `asyncScheduler`; a `TestScheduler` in tests). */
  readonly scheduler?: SchedulerLike;
}

interface Sample {
  readonly at: number;
  readonly loaded: number;
}

/**
 * Throttles a transfer event stream into views for a progress bar: at most one view per
 * `intervalMs`, yet the first and the last event of every phase and the result always pass,
 * and a held-back event is delivered when the interval ends.
 */
export function toProgressView<T>(
  options: ProgressViewOptions = {},
): OperatorFunction<TransferEvent<T>, TransferView<T>> {
  const intervalMs = options.intervalMs ?? 100;
  const rateWindowMs = options.rateWindowMs ?? 5000;
  const scheduler = options.scheduler ?? asyncScheduler;

  return (source) =>
    new Observable<TransferView<T>>((subscriber) => {
      let phase: TransferPhase | undefined;
      let samples: Sample[] = [];
      let lastEmitAt = -Infinity;
      let pending: ProgressView | undefined;
      let trailing: Subscription | undefined;

      const flush = (): void => {
        trailing?.unsubscribe();
        trailing = undefined;
        if (pending === undefined) return;
        const view = pending;
        pending = undefined;
        lastEmitAt = scheduler.now();
        subscriber.next(view);
      };

      const onProgress = (event: ProgressEvent): void => {
        const now = scheduler.now();
        if (event.phase !== phase) {
          flush();
          phase = event.phase;
          samples = [];
          lastEmitAt = -Infinity;
        }
        samples.push({ at: now, loaded: event.loaded });
        while (samples.length > 2 && now - samples[0].at > rateWindowMs) samples.shift();
        pending = describe(event, samples);
        const finished = event.total !== undefined && event.loaded >= event.total;
        if (finished || now - lastEmitAt >= intervalMs) {
          flush();
        } else if (trailing === undefined) {
          trailing = scheduler.schedule(flush, Math.max(0, lastEmitAt + intervalMs - now));
        }
      };

      const subscription = source.subscribe({
        next: (event) => {
          if (event.type === 'progress') {
            onProgress(event);
          } else {
            flush();
            subscriber.next(event);
          }
        },
        error: (error: unknown) => {
          flush();
          subscriber.error(error);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        trailing?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}

function describe(event: ProgressEvent, samples: readonly Sample[]): ProgressView {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const elapsed = last.at - first.at;
  const rate = elapsed > 0 ? ((last.loaded - first.loaded) / elapsed) * 1000 : undefined;
  const total = event.total;
  const percent =
    total === undefined ? undefined : total > 0 ? Math.min(100, (event.loaded / total) * 100) : 100;
  const etaSeconds =
    total !== undefined && rate !== undefined && rate > 0
      ? Math.max(0, total - event.loaded) / rate
      : undefined;
  return {
    ...event,
    ...(percent === undefined ? {} : { percent }),
    ...(rate === undefined ? {} : { rate }),
    ...(etaSeconds === undefined ? {} : { etaSeconds }),
  };
}
