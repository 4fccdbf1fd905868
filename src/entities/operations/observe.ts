import { filter, map } from 'rxjs';
import type { Observable } from 'rxjs';
import { isResultEvent } from '../../transfer/progress';
import type { TransferEvent } from '../../transfer/progress';

/**
 * How a long operation is observed: `body` (the default) emits only its final value; `events`
 * emits upload/processing/download progress, then one `{ type: 'result', value }`.
 */
export interface ObserveOptions {
  readonly observe?: 'body' | 'events';
}

/** What an operation observed with options `O` emits. */
export type Observed<T, O> = O extends { readonly observe: 'events' } ? TransferEvent<T> : T;

/** Picks the view `options.observe` asks for from an operation's event stream. */
export function observeAs<T, O extends ObserveOptions | undefined>(
  events$: Observable<TransferEvent<T>>,
  options: O | undefined,
): Observable<Observed<T, O>> {
  // The two branches are the two arms of Observed<T, O>; TypeScript cannot narrow O from a value.
  if (options?.observe === 'events') return events$ as Observable<Observed<T, O>>;
  return events$.pipe(
    filter(isResultEvent),
    map((event) => event.value),
  ) as Observable<Observed<T, O>>;
}
