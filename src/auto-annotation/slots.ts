import { Observable, finalize } from 'rxjs';

/**
 * A counting semaphore for Observables: at most `size` of the streams passed to `run` are
 * subscribed at once; the others wait, in order, for a slot. Unsubscribing a waiting stream
 * takes it out of the queue. `peak` is the most that ever ran at once (for tests and benches).
 */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private highest = 0;

  constructor(private readonly size: number) {}

  get peak(): number {
    return this.highest;
  }

  run<T>(work: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      let started = false;
      let inner: { unsubscribe(): void } | undefined;
      const start = (): void => {
        started = true;
        this.active += 1;
        this.highest = Math.max(this.highest, this.active);
        inner = work.pipe(finalize(() => this.release())).subscribe(subscriber);
      };
      if (this.active < this.size) start();
      else this.waiting.push(start);
      return () => {
        if (!started) {
          const at = this.waiting.indexOf(start);
          if (at >= 0) this.waiting.splice(at, 1);
        }
        inner?.unsubscribe();
      };
    });
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }
}
