import { Observable } from 'rxjs';

/** A best-effort removal started because a subscriber cancelled an operation half-way. */
export interface CancelCleanup {
  /** What is being removed, e.g. `task 5`. */
  readonly what: string;
  /** The id of the object being removed. */
  readonly id: number;
  /** Settles when the removal is over: true when the object was removed, false when it could not be. */
  readonly removed: Promise<boolean>;
}

export interface CancelCleanupOptions {
  /**
   * Remove the object this operation created when the subscription is cancelled (unsubscribed)
   * before the operation completes. Best effort: the removal is one more request, sent after
   * the cancel, that nobody waits for unless `onCancelCleanup` is given. Default false. A cancel
   * before the server answered the creation itself cannot know what to remove.
   */
  readonly cleanupOnCancel?: boolean;
  /** Called, when a cancel starts a removal, with that removal (to report it or wait for it). */
  readonly onCancelCleanup?: (cleanup: CancelCleanup) => void;
}

/**
 * Mirrors `source`; when the subscriber leaves before `source` ended (failed, completed, or emitted
 * its final value: `firstValueFrom` leaves right then) and `options.cleanupOnCancel` is set,
 * subscribes to `remove()` on its own and reports it.
 */
export function removeOnCancel<T>(
  source: Observable<T>,
  target: { readonly what: string; readonly id: number },
  remove: () => Observable<unknown>,
  options: CancelCleanupOptions | undefined,
  isFinal: (value: T) => boolean,
): Observable<T> {
  if (options?.cleanupOnCancel !== true) return source;
  return new Observable<T>((subscriber) => {
    let ended = false;
    const inner = source.subscribe({
      next: (value) => {
        if (isFinal(value)) ended = true;
        subscriber.next(value);
      },
      error: (error: unknown) => {
        ended = true;
        subscriber.error(error);
      },
      complete: () => {
        ended = true;
        subscriber.complete();
      },
    });
    return () => {
      inner.unsubscribe();
      if (ended) return;
      const removed = new Promise<boolean>((resolve) => {
        remove().subscribe({ complete: () => resolve(true), error: () => resolve(false) });
      });
      options.onCancelCleanup?.({ ...target, removed });
    };
  });
}
