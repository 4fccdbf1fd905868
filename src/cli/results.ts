import { filter, map, tap, throwIfEmpty, type Observable } from 'rxjs';
import type { CliResultEvent, TransferEvent } from './backend';
import type { ProgressSink } from './progress';

/** Feeds progress to the sink and yields the result value(s); the bar ends before output. */
export function results<T>(events: Observable<TransferEvent<T>>, progress: ProgressSink): Observable<T> {
  return events.pipe(
    tap((event) => {
      if (event.type === 'progress') progress.update(event);
      else progress.stop();
    }),
    filter((event): event is CliResultEvent<T> => event.type === 'result'),
    map((event) => event.value),
    throwIfEmpty(() => new Error('the operation ended without a result')),
  );
}
