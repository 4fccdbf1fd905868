import { Observable, Subscription, finalize, isObservable } from 'rxjs';

/** A start waiting for a slot; `order` is its stream's place (earlier streams are served first). */
interface Waiter {
  readonly order: number;
  readonly start: () => void;
}

/**
 * A counting semaphore for Observables: at most `size` of the streams passed to `run`, and of the
 * items of `each`, are running at once; the others wait for a slot, in the order their streams
 * were subscribed (an `each` stream's items in their own order). Unsubscribing a waiting stream
 * takes it out of the queue. `peak` is the most that ever ran at once (for tests and benches).
 */
export class Slots {
  private active = 0;
  private readonly waiting: Waiter[] = [];
  private highest = 0;
  private subscribed = 0;

  constructor(private readonly size: number) {}

  get peak(): number {
    return this.highest;
  }

  run<T>(work: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      let inner: Subscription | undefined;
      const begin = (): void => {
        inner = work.pipe(finalize(() => this.release())).subscribe(subscriber);
      };
      let withdraw: (() => void) | undefined;
      if (this.tryTake()) begin();
      else withdraw = this.enqueue({ order: this.subscribed++, start: begin });
      return () => {
        withdraw?.();
        inner?.unsubscribe();
      };
    });
  }

  /**
   * Runs `work` on each item, in order, each holding a slot while it runs, and emits each item
   * with its result as it finishes. Work that answers at once (not an Observable) gives its slot
   * back at once and costs no subscription: a detection function that returns its annotations
   * directly runs a frame for the price of a call. Once `signal` is aborted no item starts, even
   * one that a slot freed by another stream's teardown would start, and the stream completes
   * when its running items end (at once if none are). Unsubscribing stops the running items.
   */
  each<T, R>(
    items: readonly T[],
    signal: AbortSignal,
    work: (item: T) => R | Observable<R>,
  ): Observable<readonly [T, R]> {
    return new Observable<readonly [T, R]>((subscriber) => {
      const order = this.subscribed++;
      const running = new Subscription();
      let next = 0;
      let pending = 0;
      let withdraw: (() => void) | undefined;
      // While the loop in `pump` runs, an item that ends at once leaves the next ones to it:
      // calling `pump` again from inside would nest one call per item.
      let pumping = false;
      const stopped = (): boolean => subscriber.closed || signal.aborted;
      const completeIfDone = (): void => {
        if ((next === items.length || signal.aborted) && pending === 0) subscriber.complete();
      };

      const startAsync = (item: T, outcome: Observable<R>): void => {
        pending += 1;
        const entry = new Subscription();
        running.add(entry);
        entry.add(
          outcome
            .pipe(
              // After the item's own teardown, as `run` does: the slot is free only once it is.
              finalize(() => {
                running.remove(entry);
                pending -= 1;
                this.release();
                pump();
              }),
            )
            .subscribe({
              next: (value) => subscriber.next([item, value]),
              error: (error: unknown) => subscriber.error(error),
            }),
        );
      };

      // Called holding a slot.
      const start = (): void => {
        if (stopped()) {
          this.release();
          return;
        }
        const item = items[next++] as T;
        let outcome: R | Observable<R>;
        try {
          outcome = work(item);
        } catch (error) {
          subscriber.error(error);
          this.release();
          return;
        }
        if (isObservable(outcome)) {
          startAsync(item, outcome);
          return;
        }
        this.release();
        subscriber.next([item, outcome]);
      };

      const resume = (): void => {
        withdraw = undefined;
        start();
        pump();
      };
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        try {
          while (next < items.length && withdraw === undefined && !stopped()) {
            if (this.tryTake()) start();
            else withdraw = this.enqueue({ order, start: resume });
          }
        } finally {
          pumping = false;
        }
        completeIfDone();
      };
      // An abort while waiting ends the wait; the stream completes a microtask later, once a
      // teardown that caused the abort (as the driver's does) has closed it, if it did.
      const onAbort = (): void => {
        withdraw?.();
        withdraw = undefined;
        queueMicrotask(completeIfDone);
      };

      signal.addEventListener('abort', onAbort);
      pump();
      return () => {
        signal.removeEventListener('abort', onAbort);
        withdraw?.();
        running.unsubscribe();
      };
    });
  }

  private tryTake(): boolean {
    if (this.active >= this.size) return false;
    this.active += 1;
    this.highest = Math.max(this.highest, this.active);
    return true;
  }

  /** Queues a start behind those of earlier streams; returns what withdraws it while it waits. */
  private enqueue(waiter: Waiter): () => void {
    const later = this.waiting.findIndex((other) => other.order > waiter.order);
    this.waiting.splice(later < 0 ? this.waiting.length : later, 0, waiter);
    return () => {
      const at = this.waiting.indexOf(waiter);
      if (at >= 0) this.waiting.splice(at, 1);
    };
  }

  /** Gives a slot back: to the first waiting start, if any. */
  private release(): void {
    const waiter = this.waiting.shift();
    if (waiter === undefined) {
      this.active -= 1;
      return;
    }
    waiter.start();
  }
}
