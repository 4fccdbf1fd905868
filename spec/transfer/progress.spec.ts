import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { toProgressView } from '../../src/transfer/progress';
import type { TransferEvent, TransferView } from '../../src/transfer/progress';

const up = (loaded: number, total = 100): TransferEvent<string> => ({
  type: 'progress',
  phase: 'upload',
  loaded,
  total,
});
const proc = (loaded: number): TransferEvent<string> => ({
  type: 'progress',
  phase: 'processing',
  loaded,
  total: 1,
});
const result: TransferEvent<string> = { type: 'result', value: 'done' };

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Only the fields a marble comparison needs. */
const brief = (view: TransferView<string>) =>
  view.type === 'result' ? 'R' : `${view.phase[0]}${view.loaded}`;

describe('toProgressView', () => {
  it('lets at most one view per interval through, delivering the held-back one when it ends', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('a 1ms b 1ms c 20ms d 200ms |', { a: up(10), b: up(20), c: up(30), d: up(40) });
      const views = source.pipe(toProgressView({ intervalMs: 10, scheduler: testScheduler }));
      // a at 0 passes; b (2) and c (4) are held; c is delivered when the interval ends (10); d passes.
      expectObservable(views.pipe(map(brief))).toBe('a 9ms c 14ms d 200ms |', {
        a: 'u10',
        c: 'u30',
        d: 'u40',
      });
    });
  });

  it('always lets the last event of a phase, the completed one and the result through', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('abcdefg 9ms |', {
        a: up(10),
        b: up(20),
        c: up(100),
        d: proc(0.1),
        e: proc(0.2),
        f: proc(0.5),
        g: result,
      });
      const views = source.pipe(toProgressView({ intervalMs: 1000, scheduler: testScheduler }));
      expectObservable(views.pipe(map(brief))).toBe('a-cd--(fR) 6ms |', {
        a: 'u10',
        c: 'u100',
        d: 'p0.1',
        f: 'p0.5',
        R: 'R',
      });
    });
  });

  it('computes percent, rate and eta', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('a 999ms b|', { a: up(0, 4000), b: up(1000, 4000) });
      const views = source.pipe(toProgressView({ intervalMs: 10, scheduler: testScheduler }));
      expectObservable(views).toBe('a 999ms b|', {
        a: { type: 'progress', phase: 'upload', loaded: 0, total: 4000, percent: 0 },
        b: {
          type: 'progress',
          phase: 'upload',
          loaded: 1000,
          total: 4000,
          percent: 25,
          rate: 1000,
          etaSeconds: 3,
        },
      });
    });
  });

  it('flushes a held-back view before an error', () => {
    const testScheduler = scheduler();
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('ab#', { a: up(1), b: up(2) });
      const views = source.pipe(toProgressView({ intervalMs: 50, scheduler: testScheduler }));
      expectObservable(views.pipe(map(brief))).toBe('a-(b#)', { a: 'u1', b: 'u2' });
    });
  });
});
