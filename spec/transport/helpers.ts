import nock from 'nock';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { Configuration, type ConfigurationInit } from '../../src/transport/configuration';
import { Transport, type TransportOptions } from '../../src/transport/transport';
import type { TransportEvent } from '../../src/transport/types';

export const HOST = 'http://cvat.test';

/** A transport against the nock host; retries off unless asked, so a test sees exactly one attempt. */
export function makeTransport(
  init: Partial<ConfigurationInit> = {},
  options: TransportOptions = {},
): Transport {
  return new Transport(new Configuration({ host: HOST, retry: { maxAttempts: 1 }, ...init }), options);
}

export function collect<T>(source$: Observable<T>): Promise<T[]> {
  return lastValueFrom(source$.pipe(toArray()));
}

/** The error an Observable ends with (fails the test when it completes instead). */
export async function errorOf(source$: Observable<unknown>): Promise<unknown> {
  try {
    await lastValueFrom(source$);
  } catch (error) {
    return error;
  }
  throw new Error('expected the Observable to fail');
}

export function types(events: readonly TransportEvent[]): string[] {
  return events.map((event) => event.type);
}

/**
 * nock set-up shared by wire specs: no real network, nothing left over. `restore()` un-patches
 * Node's http at the end: the core module is shared by every spec file a jest worker runs.
 */
export function useNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}
