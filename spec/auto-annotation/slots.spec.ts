import { Observable, Subject, lastValueFrom, merge, of, toArray } from 'rxjs';
import { Slots } from '../../src/auto-annotation';

/** Work whose items end when the test says: `finish(item)`; counts what runs and what was torn down. */
function controlled() {
  const open = new Map<number, Subject<string>>();
  const torn: number[] = [];
  let running = 0;
  let most = 0;
  const work = (item: number): Observable<string> =>
    new Observable<string>((subscriber) => {
      const subject = new Subject<string>();
      open.set(item, subject);
      running += 1;
      most = Math.max(most, running);
      const inner = subject.subscribe(subscriber);
      return () => {
        running -= 1;
        open.delete(item);
        torn.push(item);
        inner.unsubscribe();
      };
    });
  const finish = (item: number): void => {
    const subject = open.get(item);
    if (!subject) throw new Error(`item ${item} is not running`);
    subject.next(`done ${item}`);
    subject.complete();
  };
  return {
    work,
    finish,
    torn,
    started: () => [...open.keys()],
    get running() {
      return running;
    },
    get most() {
      return most;
    },
  };
}

const never = new AbortController().signal;

describe('Slots.each', () => {
  it('runs work that answers at once during the subscription, in order, one slot at a time', () => {
    const slots = new Slots(3);
    const seen: Array<readonly [number, number]> = [];
    let completed = false;
    slots
      .each([1, 2, 3, 4, 5], never, (n) => n * 10)
      .subscribe({ next: (pair) => seen.push(pair), complete: () => (completed = true) });
    expect(seen).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [5, 50],
    ]);
    expect(completed).toBe(true);
    expect(slots.peak).toBe(1);
  });

  it('completes at once for no items', async () => {
    await expect(lastValueFrom(new Slots(1).each([], never, () => 1).pipe(toArray()))).resolves.toEqual([]);
  });

  it('keeps at most `size` Observable items running across the streams that share the slots, in order', () => {
    const slots = new Slots(2);
    const c = controlled();
    const seen: string[] = [];
    let completed = 0;
    for (const items of [
      [1, 2, 3],
      [4, 5],
    ]) {
      slots.each(items, never, c.work).subscribe({
        next: ([, result]) => seen.push(result),
        complete: () => (completed += 1),
      });
    }
    expect(c.started()).toEqual([1, 2]);
    c.finish(2);
    expect(c.started()).toEqual([1, 3]);
    c.finish(1);
    // The first stream has nothing left to start: the freed slot goes to the second one's first item.
    expect(c.started()).toEqual([3, 4]);
    c.finish(3);
    c.finish(4);
    c.finish(5);
    expect(seen).toEqual(['done 2', 'done 1', 'done 3', 'done 4', 'done 5']);
    expect(completed).toBe(2);
    expect(c.most).toBe(2);
    expect(slots.peak).toBe(2);
  });

  it('mixes items that answer at once with ones that wait, under the same bound', () => {
    const slots = new Slots(1);
    const c = controlled();
    const seen: string[] = [];
    slots
      .each([1, 2, 3], never, (n) => (n === 2 ? c.work(n) : `now ${n}`))
      .subscribe(([, result]) => seen.push(result));
    expect(seen).toEqual(['now 1']);
    expect(c.started()).toEqual([2]);
    c.finish(2);
    expect(seen).toEqual(['now 1', 'done 2', 'now 3']);
  });

  it('starts nothing once the signal is aborted, even on a slot freed by a teardown, and then completes', async () => {
    const slots = new Slots(1);
    const c = controlled();
    const abort = new AbortController();
    const first = slots.each([1], abort.signal, c.work).subscribe();
    let completed = false;
    slots.each([2, 3], abort.signal, c.work).subscribe({ complete: () => (completed = true) });
    expect(c.started()).toEqual([1]);
    abort.abort();
    first.unsubscribe();
    expect(c.torn).toEqual([1]);
    expect(c.started()).toEqual([]);
    await Promise.resolve();
    expect(completed).toBe(true);
    // The slot is free again for a stream with its own signal.
    const later: number[] = [];
    slots.each([7], never, (n) => n).subscribe(([n]) => later.push(n));
    expect(later).toEqual([7]);
  });

  it('completes when aborted while it waits, without another stream freeing a slot', async () => {
    const slots = new Slots(1);
    const c = controlled();
    slots.each([1], never, c.work).subscribe();
    const abort = new AbortController();
    let completed = false;
    slots.each([2], abort.signal, c.work).subscribe({ complete: () => (completed = true) });
    abort.abort();
    await Promise.resolve();
    expect(completed).toBe(true);
    c.finish(1);
    expect(c.started()).toEqual([]);
  });

  it('serves the streams in the order they were subscribed, not in turns', () => {
    const slots = new Slots(1);
    const c = controlled();
    slots.each([1, 2, 3], never, c.work).subscribe();
    slots.each([4, 5], never, c.work).subscribe();
    const order: number[] = [];
    for (let step = 0; step < 5; step += 1) {
      const [item] = c.started();
      order.push(item!);
      c.finish(item!);
    }
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it.each([
    ['at once', false],
    ['after waiting for a slot', true],
  ])('runs many items that end at once without nesting a call per item (%s)', (_, waits) => {
    const slots = new Slots(1);
    const hold = new Subject<number>();
    if (waits) slots.each([0], never, () => hold).subscribe();
    const count = 20_000;
    let emitted = 0;
    let completed = false;
    slots
      .each(
        Array.from({ length: count }, (_, n) => n),
        never,
        (n) => of(n),
      )
      .subscribe({ next: () => (emitted += 1), complete: () => (completed = true) });
    hold.complete();
    expect(emitted).toBe(count);
    expect(completed).toBe(true);
    const after: number[] = [];
    slots.each([1], never, (n) => n).subscribe(([n]) => after.push(n));
    expect(after).toEqual([1]);
  });

  it('unsubscribing tears down the running items, withdraws the waiting ones and frees the slots', () => {
    const slots = new Slots(2);
    const c = controlled();
    const subscription = slots.each([1, 2, 3], never, c.work).subscribe();
    expect(c.started()).toEqual([1, 2]);
    subscription.unsubscribe();
    expect(c.torn.sort()).toEqual([1, 2]);
    expect(c.running).toBe(0);
    const again: number[] = [];
    slots.each([4, 5], never, (n) => n).subscribe(([n]) => again.push(n));
    expect(again).toEqual([4, 5]);
  });

  it('fails with the error of work that throws, and gives its slot back', () => {
    const slots = new Slots(1);
    const errors: unknown[] = [];
    const started: number[] = [];
    slots
      .each([1, 2], never, (n) => {
        started.push(n);
        throw new Error(`bad ${n}`);
      })
      .subscribe({ error: (error: unknown) => errors.push(error) });
    expect(started).toEqual([1]);
    expect(errors).toEqual([new Error('bad 1')]);
    const after: number[] = [];
    slots.each([9], never, (n) => n).subscribe(([n]) => after.push(n));
    expect(after).toEqual([9]);
  });

  it('stops the run before a slot freed by a failing item can start another of the same run', () => {
    const slots = new Slots(1);
    const abort = new AbortController();
    const started: number[] = [];
    const failing = new Subject<string>();
    const work = (n: number): Observable<string> => {
      started.push(n);
      return n === 1 ? failing : of('fine');
    };
    // A run is torn down by its error; aborting first (as the driver does) keeps item 2 from starting.
    let failed: unknown;
    const subscription = merge(
      slots.each([1], abort.signal, work),
      slots.each([2], abort.signal, work),
    ).subscribe({
      error: (error: unknown) => {
        failed = error;
        abort.abort();
      },
    });
    failing.error(new Error('frame 1'));
    expect(failed).toEqual(new Error('frame 1'));
    expect(started).toEqual([1]);
    expect(subscription.closed).toBe(true);
  });
});

describe('Slots.run', () => {
  it('keeps at most `size` running and starts the next when one ends', () => {
    const slots = new Slots(1);
    const c = controlled();
    const seen: string[] = [];
    slots.run(c.work(1)).subscribe((v) => seen.push(v));
    const second = slots.run(c.work(2)).subscribe((v) => seen.push(v));
    slots.run(c.work(3)).subscribe((v) => seen.push(v));
    expect(c.started()).toEqual([1]);
    second.unsubscribe(); // withdrawn while it waits
    c.finish(1);
    expect(c.started()).toEqual([3]);
    c.finish(3);
    expect(seen).toEqual(['done 1', 'done 3']);
    expect(c.most).toBe(1);
    expect(slots.peak).toBe(1);
  });
});
