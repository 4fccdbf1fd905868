import { EMPTY, Observable, concatMap, defer, expand, from, map, take, throwError, toArray } from 'rxjs';
import { DecodeError, UsageError } from '../errors';

/**
 * One page of a CVAT list (`PaginatedXxxList`): DRF page-number pagination. Structural, so the
 * generated `PaginatedTaskReadList` and friends fit. `next` is read as "is there more" (pages are
 * requested by number), and checked so that a server cannot keep a client paging forever.
 */
export interface Page<T> {
  readonly count: number;
  readonly next?: string | null;
  readonly previous?: string | null;
  readonly results: readonly T[];
}

/** Fetches page `page` (1-based) of `pageSize` items; called once per page, subscribed once. */
export type PageFetcher<P extends Page<unknown>> = (page: number, pageSize: number) => Observable<P>;

export interface PaginateOptions {
  /** Items per request. Default 100 (CVAT's own default is 10, which costs 10× the requests). */
  readonly pageSize?: number;
  /**
   * Pages requested ahead of the one awaited, so at most `prefetch + 1` requests are in flight.
   * Default 0: strictly one request at a time, each only after the previous page was emitted.
   * Prefetch never goes past the last page the first page's `count` announces.
   */
  readonly prefetch?: number;
}

export const DEFAULT_PAGE_SIZE = 100;

/**
 * When to stop paging, whatever `next` says (a broken or hostile server may send `next` for ever;
 * one sent it 9,493 times for a list of count 1):
 * - `next` is null: the last page, as DRF says;
 * - an empty page: nothing more can follow;
 * - the items seen reach `count` (the smallest count announced so far: a list that shrank while
 *   it was read ends early; one that grew is read as first announced);
 * all three complete cleanly. A `next` URL seen before means the server is going round in a
 * loop: that is a `DecodeError` (the paging data contradicts itself), not a silent end; so is a
 * `count` that is not a whole number of items (it could not bound the list).
 */
class PagingGuard {
  private seen = 0;
  private count = Infinity;
  private readonly nextUrls = new Set<string>();

  /** True when `page` is the last one to emit; throws DecodeError on a repeated `next`. */
  isLast(page: Page<unknown>, number: number): boolean {
    if (!Number.isSafeInteger(page.count) || page.count < 0) {
      throw new DecodeError({
        codecName: 'Page',
        issues: [`count: page ${number} says ${String(page.count)}, not a number of items`],
      });
    }
    if (!Array.isArray(page.results)) {
      throw new DecodeError({ codecName: 'Page', issues: [`results: page ${number} has no list of items`] });
    }
    this.seen += page.results.length;
    this.count = Math.min(this.count, page.count);
    if (!page.next || page.results.length === 0 || this.seen >= this.count) return true;
    if (this.nextUrls.has(page.next)) {
      throw new DecodeError({
        codecName: 'Page',
        issues: [`next: page ${number} links to ${JSON.stringify(page.next)} again; the list does not end`],
      });
    }
    this.nextUrls.add(page.next);
    return false;
  }
}

function checkedOptions(options: PaginateOptions): { pageSize: number; prefetch: number } {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const prefetch = options.prefetch ?? 0;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new UsageError(`pageSize must be a positive integer, got ${String(pageSize)}`);
  }
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new UsageError(`prefetch must be a non-negative integer, got ${String(prefetch)}`);
  }
  return { pageSize, prefetch };
}

function fetchOne<P extends Page<unknown>>(
  fetchPage: PageFetcher<P>,
  page: number,
  pageSize: number,
): Observable<P> {
  return new Observable<P>((subscriber) => {
    let received = false;
    return defer(() => fetchPage(page, pageSize))
      .pipe(take(1))
      .subscribe({
        next: (value) => {
          received = true;
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () =>
          received
            ? subscriber.complete()
            : subscriber.error(new UsageError(`page ${page} completed without a value`)),
      });
  });
}

/**
 * One request at a time, following `next` until it is null. expand() subscribes to the next page
 * right after emitting the current one, even when the consumer has just unsubscribed (rxjs 7.8);
 * the `closed` check keeps that subscription from sending a request nobody wants.
 */
function sequentialPages<P extends Page<unknown>>(
  fetchPage: PageFetcher<P>,
  pageSize: number,
): Observable<P> {
  return new Observable<P>((subscriber) => {
    const guard = new PagingGuard();
    const pageAt = (page: number): Observable<{ readonly page: number; readonly value: P; last: boolean }> =>
      defer(() => (subscriber.closed ? EMPTY : fetchOne(fetchPage, page, pageSize))).pipe(
        map((value) => ({ page, value, last: guard.isLast(value, page) })),
      );
    return pageAt(1)
      .pipe(
        expand(({ page, last }) => (last ? EMPTY : pageAt(page + 1))),
        map(({ value }) => value),
      )
      .subscribe(subscriber);
  });
}

type Outcome<P> = { readonly ok: true; readonly value: P } | { readonly ok: false; readonly error: unknown };

/**
 * Pages in order with up to `prefetch` requests ahead of the awaited page. An error of a page is
 * only emitted when that page's turn comes (a prefetched page past a shrunken list's end is
 * dropped); completing or unsubscribing cancels every request still in flight.
 */
function prefetchingPages<P extends Page<unknown>>(
  fetchPage: PageFetcher<P>,
  pageSize: number,
  prefetch: number,
): Observable<P> {
  return new Observable<P>((subscriber) => {
    const settled = new Map<number, Outcome<P>>();
    let awaited = 1;
    let requested = 0;
    let lastByCount = 1;
    let draining = false;
    let again = false;
    const guard = new PagingGuard();

    const request = (page: number): void => {
      requested = page;
      let value: { readonly page: P } | undefined;
      const settle = (outcome: Outcome<P>): void => {
        settled.set(page, outcome);
        drain();
      };
      subscriber.add(
        fetchOne(fetchPage, page, pageSize).subscribe({
          next: (received) => {
            value = { page: received };
          },
          error: (error: unknown) => settle({ ok: false, error }),
          complete: () => {
            if (value) settle({ ok: true, value: value.page });
          },
        }),
      );
    };

    // Always the awaited page; prefetched ones only up to the last page `count` announced.
    const fill = (): void => {
      const target = Math.max(awaited, Math.min(awaited + prefetch, lastByCount));
      while (requested < target && !subscriber.closed) request(requested + 1);
    };

    const drain = (): void => {
      if (draining) {
        again = true;
        return;
      }
      draining = true;
      try {
        do {
          again = false;
          for (let outcome = settled.get(awaited); outcome; outcome = settled.get(awaited)) {
            settled.delete(awaited);
            if (!outcome.ok) {
              subscriber.error(outcome.error);
              return;
            }
            if (awaited === 1) lastByCount = Math.max(1, Math.ceil(outcome.value.count / pageSize));
            let last: boolean;
            try {
              last = guard.isLast(outcome.value, awaited);
            } catch (error) {
              subscriber.error(error);
              return;
            }
            subscriber.next(outcome.value);
            if (subscriber.closed) return;
            if (last) {
              subscriber.complete();
              return;
            }
            awaited += 1;
            fill();
          }
        } while (again && !subscriber.closed);
      } finally {
        draining = false;
      }
    };

    request(1);
  });
}

/**
 * The pages of a list, fetched lazily: nothing is requested before subscription, page 1 first,
 * then the next page only while someone is subscribed. `take(n)` or unsubscribing stops paging.
 */
export function pages<P extends Page<unknown>>(
  fetchPage: PageFetcher<P>,
  options: PaginateOptions = {},
): Observable<P> {
  return defer(() => {
    const { pageSize, prefetch } = checkedOptions(options);
    return prefetch === 0
      ? sequentialPages(fetchPage, pageSize)
      : prefetchingPages(fetchPage, pageSize, prefetch);
  });
}

/**
 * The items of a list, one emission per item, pages fetched lazily (see {@link pages}):
 * `paginate(fetch).pipe(take(5))` makes exactly one request.
 */
export function paginate<T>(fetchPage: PageFetcher<Page<T>>, options: PaginateOptions = {}): Observable<T> {
  return pages(fetchPage, options).pipe(concatMap((page) => from(page.results)));
}

export interface CollectOptions {
  /** The most items the array may hold. Required: lists can be huge. */
  readonly limit: number;
  /**
   * What to do when there are more items than `limit`: `error` (default) emits a UsageError, so a
   * list that outgrew its expected size is never silently cut; `truncate` emits the first
   * `limit` items, as Stripe's `autoPagingToArray({ limit })` does.
   */
  readonly overflow?: 'error' | 'truncate';
}

/**
 * Collects a lazy item stream into one array, reading at most `limit + 1` items (the extra one
 * only to detect overflow), so paging stops at the page holding item `limit + 1`.
 */
export function collectAll<T>(items$: Observable<T>, options: CollectOptions): Observable<T[]> {
  return defer(() => {
    const { limit } = options;
    const overflow = options.overflow ?? 'error';
    if (!Number.isInteger(limit) || limit < 0) {
      return throwError(
        () => new UsageError(`collectAll needs an explicit integer limit >= 0, got ${String(limit)}`),
      );
    }
    if (overflow === 'truncate') return items$.pipe(take(limit), toArray());
    return items$.pipe(
      take(limit + 1),
      toArray(),
      concatMap((items) =>
        items.length > limit
          ? throwError(
              () =>
                new UsageError(
                  `the list has more than ${limit} items; raise the limit, narrow the filter, or use overflow: 'truncate'`,
                ),
            )
          : [items],
      ),
    );
  });
}
