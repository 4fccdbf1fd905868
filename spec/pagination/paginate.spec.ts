import type { Observable } from 'rxjs';
import { defer, finalize, of, take, tap, throwError, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ApiError, DecodeError, UsageError } from '../../src/errors';
import { collectAll, pages, paginate } from '../../src/pagination/paginate';
import type { Page } from '../../src/pagination/paginate';

interface Item {
  readonly id: number;
}

/** DRF page `page` of a list of `total` items with ids 0..total-1. */
function pageOf(page: number, pageSize: number, total: number): Page<Item> {
  const start = (page - 1) * pageSize;
  const results = Array.from({ length: Math.max(0, Math.min(pageSize, total - start)) }, (_, i) => ({
    id: start + i,
  }));
  const more = start + pageSize < total;
  return {
    count: total,
    next: more ? `http://cvat.local/api/tasks?page=${page + 1}&page_size=${pageSize}` : null,
    previous: page > 1 ? `http://cvat.local/api/tasks?page=${page - 1}` : null,
    results,
  };
}

let ts: TestScheduler;
beforeEach(() => {
  ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/**
 * A server of `total` items whose page n answers after `latency(n)` ms, recording each request
 * (page, page size, time) and the cold observable handed out, plus the peak number in flight.
 */
function server(total: number, latency: (page: number) => number = () => 5) {
  const requests: { page: number; pageSize: number; at: number }[] = [];
  const answers = new Map<number, ReturnType<TestScheduler['createColdObservable']>>();
  let inFlight = 0;
  let peak = 0;
  const fetchPage = (page: number, pageSize: number): Observable<Page<Item>> => {
    const answer = ts.createColdObservable<Page<Item>>(`${latency(page)}ms (a|)`, {
      a: pageOf(page, pageSize, total),
    });
    answers.set(page, answer);
    return defer(() => {
      requests.push({ page, pageSize, at: ts.now() });
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      // A request stops counting once its page arrived (or it was cancelled), whichever is first.
      let open = true;
      const done = () => {
        if (open) inFlight -= 1;
        open = false;
      };
      return answer.pipe(tap(done), finalize(done));
    });
  };
  return { fetchPage, requests, answers, peak: () => peak };
}

describe('paginate (sequential)', () => {
  it('take(5) makes exactly one request', () => {
    ts.run(({ expectObservable }) => {
      const s = server(1000);
      expectObservable(paginate(s.fetchPage).pipe(take(5))).toBe('5ms (abcde|)', {
        a: { id: 0 },
        b: { id: 1 },
        c: { id: 2 },
        d: { id: 3 },
        e: { id: 4 },
      });
      ts.flush();
      expect(s.requests).toEqual([{ page: 1, pageSize: 100, at: 0 }]);
    });
  });

  it('taking exactly one full page does not even start the second request', () => {
    ts.run(() => {
      const s = server(1000);
      paginate(s.fetchPage).pipe(take(100)).subscribe();
      ts.flush();
      expect(s.requests.map((r) => r.page)).toEqual([1]);
      expect(s.answers.has(2)).toBe(false);
    });
  });

  it('1,000 items at pageSize 100 take 10 requests, one after another, in order', () => {
    ts.run(() => {
      const s = server(1000);
      let items: Item[] = [];
      paginate(s.fetchPage, { pageSize: 100 })
        .pipe(toArray())
        .subscribe((all) => (items = all));
      ts.flush();
      expect(items.map((i) => i.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(s.requests.map((r) => r.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(s.requests.map((r) => r.at)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
      expect(s.peak()).toBe(1);
    });
  });

  it('unsubscribing stops paging and cancels the page in flight', () => {
    ts.run(({ expectSubscriptions }) => {
      const s = server(1000);
      const sub = paginate(s.fetchPage).subscribe();
      ts.schedule(() => sub.unsubscribe(), 7);
      ts.flush();
      expect(s.requests.map((r) => r.page)).toEqual([1, 2]);
      const second = s.answers.get(2);
      if (!second) throw new Error('page 2 was not requested');
      expectSubscriptions(second.subscriptions).toBe('5ms ^ 1ms !');
    });
  });

  it('pages() emits whole pages and stops at next = null even if count disagrees', () => {
    ts.run(() => {
      const fetchPage = (page: number) =>
        of<Page<Item>>({ count: 999, next: page < 2 ? 'more' : null, results: [{ id: page }] });
      let seen: number[] = [];
      pages(fetchPage, { pageSize: 1 })
        .pipe(toArray())
        .subscribe((all) => (seen = all.map((p) => p.results[0].id)));
      ts.flush();
      expect(seen).toEqual([1, 2]);
    });
  });

  it('handles an empty list with one request', () => {
    const s = { calls: 0 };
    let items: Item[] | undefined;
    paginate((page, size) => {
      s.calls += 1;
      return of(pageOf(page, size, 0));
    })
      .pipe(toArray())
      .subscribe((all) => (items = all));
    expect(items).toEqual([]);
    expect(s.calls).toBe(1);
  });

  it('passes a page error through and stops', () => {
    const error = new ApiError({ status: 400, method: 'GET', url: '/api/tasks', body: { filter: ['bad'] } });
    let caught: unknown;
    const calls: number[] = [];
    paginate<Item>(
      (page) => {
        calls.push(page);
        return page === 1 ? of(pageOf(1, 10, 30)) : throwError(() => error);
      },
      { pageSize: 10 },
    ).subscribe({ error: (e: unknown) => (caught = e) });
    expect(caught).toBe(error);
    expect(calls).toEqual([1, 2]);
  });

  it('reports invalid options in the error channel and requests nothing', () => {
    const fetchPage = jest.fn(() => of(pageOf(1, 10, 10)));
    for (const options of [{ pageSize: 0 }, { pageSize: 2.5 }, { prefetch: -1 }]) {
      let caught: unknown;
      const items$ = paginate(fetchPage, options);
      items$.subscribe({ error: (e: unknown) => (caught = e) });
      expect(caught).toBeInstanceOf(UsageError);
    }
    expect(fetchPage).not.toHaveBeenCalled();
  });

  it('is cold: nothing is requested before subscription, and each subscription pages anew', () => {
    ts.run(() => {
      const s = server(150);
      const items$ = paginate(s.fetchPage);
      expect(s.requests).toEqual([]);
      items$.subscribe();
      items$.subscribe();
      ts.flush();
      expect(s.requests.map((r) => r.page)).toEqual([1, 1, 2, 2]);
    });
  });
});

describe('paginate with prefetch', () => {
  it('keeps at most prefetch + 1 requests in flight and emits items in order', () => {
    ts.run(() => {
      // Later pages answer faster, so order must be restored.
      const s = server(1000, (page) => 20 - page);
      let ids: number[] = [];
      paginate(s.fetchPage, { pageSize: 100, prefetch: 2 })
        .pipe(toArray())
        .subscribe((all) => (ids = all.map((i) => i.id)));
      ts.flush();
      expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(s.requests.map((r) => r.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(s.peak()).toBe(3);
      // Page 1 alone (count unknown), then pages 2-4 together when page 1 arrives at 19.
      expect(s.requests.slice(0, 4).map((r) => r.at)).toEqual([0, 19, 19, 19]);
    });
  });

  it('never prefetches past the last page that count announces', () => {
    ts.run(() => {
      const s = server(250);
      paginate(s.fetchPage, { pageSize: 100, prefetch: 5 }).subscribe();
      ts.flush();
      expect(s.requests.map((r) => r.page)).toEqual([1, 2, 3]);
    });
  });

  it('take(5) still makes one request', () => {
    ts.run(() => {
      const s = server(1000);
      paginate(s.fetchPage, { prefetch: 3 }).pipe(take(5)).subscribe();
      ts.flush();
      expect(s.requests.map((r) => r.page)).toEqual([1]);
    });
  });

  it('unsubscribing cancels every prefetched request', () => {
    ts.run(({ expectSubscriptions }) => {
      const s = server(1000, () => 10);
      const sub = paginate(s.fetchPage, { prefetch: 2 }).subscribe();
      ts.schedule(() => sub.unsubscribe(), 15);
      ts.flush();
      expect(s.requests.map((r) => r.page)).toEqual([1, 2, 3, 4]);
      for (const page of [2, 3, 4]) {
        const answer = s.answers.get(page);
        if (!answer) throw new Error(`page ${page} was not requested`);
        expectSubscriptions(answer.subscriptions).toBe('10ms ^ 4ms !');
      }
    });
  });

  it('emits a page error only when its turn comes, after the pages before it', () => {
    const error = new ApiError({ status: 500, method: 'GET', url: '/api/tasks' });
    ts.run(({ cold, expectObservable }) => {
      const fetchPage = (page: number, size: number): Observable<Page<Item>> =>
        page === 3
          ? cold<Page<Item>>('1ms #', undefined, error)
          : cold<Page<Item>>(`${page === 2 ? 20 : 5}ms (a|)`, { a: pageOf(page, size, 40) });
      expectObservable(pages(fetchPage, { pageSize: 10, prefetch: 2 }).pipe()).toBe(
        '5ms a 19ms (b#)',
        { a: pageOf(1, 10, 40), b: pageOf(2, 10, 40) },
        error,
      );
    });
  });
});

describe('collectAll', () => {
  it('requires an explicit limit', () => {
    let caught: unknown;
    collectAll(of(1, 2), { limit: Number.NaN }).subscribe({ error: (e: unknown) => (caught = e) });
    expect(caught).toBeInstanceOf(UsageError);
  });

  it('collects everything within the limit', () => {
    let items: number[] | undefined;
    collectAll(of(1, 2, 3), { limit: 3 }).subscribe((all) => (items = all));
    expect(items).toEqual([1, 2, 3]);
  });

  it('errors with UsageError when there are more items than the limit, fetching only what it needs', () => {
    ts.run(() => {
      const s = server(1000);
      let caught: unknown;
      collectAll(paginate(s.fetchPage), { limit: 150 }).subscribe({ error: (e: unknown) => (caught = e) });
      ts.flush();
      expect(caught).toBeInstanceOf(UsageError);
      expect(String(caught)).toMatch(/more than 150 items/);
      expect(s.requests.map((r) => r.page)).toEqual([1, 2]);
    });
  });

  it("truncates when asked to, like Stripe's autoPagingToArray", () => {
    ts.run(() => {
      const s = server(1000);
      let items: Item[] = [];
      collectAll(paginate(s.fetchPage), { limit: 100, overflow: 'truncate' }).subscribe(
        (all) => (items = all),
      );
      ts.flush();
      expect(items).toHaveLength(100);
      expect(s.requests.map((r) => r.page)).toEqual([1]);
    });
  });
});

describe('a server that sends `next` for ever cannot keep the client paging (#14.6)', () => {
  /** Pages from `answer`, counting requests; synchronous (no scheduler needed). */
  function hostile(answer: (page: number) => Page<Item>) {
    const asked: number[] = [];
    const fetchPage = (page: number): Observable<Page<Item>> =>
      defer(() => {
        asked.push(page);
        // A safety net for the old code, which followed `next` for ever.
        if (asked.length > 50) return throwError(() => new Error('paged past 50 requests'));
        return of(answer(page));
      });
    return { fetchPage, asked };
  }
  const collect = async <T>(source: Observable<T>): Promise<T[]> => {
    const out: T[] = [];
    await new Promise<void>((resolve, reject) =>
      source.subscribe({ next: (v) => out.push(v), error: reject, complete: resolve }),
    );
    return out;
  };

  it.each([0, 2])('stops once the items seen reach count (prefetch %d)', async (prefetch) => {
    // count 1 and a fresh `next` on every page: the reported attack (9,493 requests).
    const { fetchPage, asked } = hostile((page) => ({
      count: 1,
      next: `http://cvat.local/api/tasks?page=${page + 1}`,
      results: [{ id: page }],
    }));
    const items = await collect(paginate(fetchPage, { pageSize: 1, prefetch }));
    expect(items).toEqual([{ id: 1 }]);
    expect(asked.length).toBeLessThanOrEqual(1 + prefetch);
  });

  it.each([0, 2])('stops on an empty page (prefetch %d)', async (prefetch) => {
    const { fetchPage, asked } = hostile((page) => ({
      count: 1_000_000,
      next: `http://cvat.local/api/tasks?page=${page + 1}`,
      results: page <= 2 ? [{ id: page }] : [],
    }));
    expect(await collect(paginate(fetchPage, { pageSize: 1, prefetch }))).toEqual([{ id: 1 }, { id: 2 }]);
    expect(asked.slice(0, 3)).toEqual([1, 2, 3]);
    expect(asked.length).toBeLessThanOrEqual(3 + prefetch);
  });

  it.each([0, 2])('a repeated next URL is a DecodeError (prefetch %d)', async (prefetch) => {
    const { fetchPage, asked } = hostile((page) => ({
      count: 1_000_000,
      next: 'http://cvat.local/api/tasks?page=2',
      results: [{ id: page }],
    }));
    const error = await collect(paginate(fetchPage, { pageSize: 1, prefetch })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).issues[0]).toContain('page 2 links to');
    expect(asked.length).toBeLessThanOrEqual(2 + prefetch);
  });

  it('honours a count that shrank while paging, and reads a list whose count grew as first announced', async () => {
    const shrinking = hostile((page) => ({
      count: page === 1 ? 10 : 3,
      next: `http://cvat.local/api/tasks?page=${page + 1}`,
      results: [{ id: page * 2 - 1 }, { id: page * 2 }],
    }));
    expect((await collect(paginate(shrinking.fetchPage, { pageSize: 2 }))).map((i) => i.id)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(shrinking.asked).toEqual([1, 2]);
    const growing = hostile((page) => ({
      count: 4 + page,
      next: `http://cvat.local/api/tasks?page=${page + 1}`,
      results: [{ id: page * 2 - 1 }, { id: page * 2 }],
    }));
    expect((await collect(paginate(growing.fetchPage, { pageSize: 2 }))).length).toBe(6);
  });
});
