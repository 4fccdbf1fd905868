import { from, lastValueFrom, tap, toArray, type Observable } from 'rxjs';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import type { Interceptor, TransportEvent, TransportRequest } from '../../src/transport/types';

/** A backend answering the given statuses in turn, recording what reaches it. */
function fakeBackend(statuses: number[], seen: TransportRequest[]) {
  let call = 0;
  return (request: TransportRequest): Observable<TransportEvent> => {
    seen.push(request);
    const status = statuses[Math.min(call++, statuses.length - 1)]!;
    return from<TransportEvent[]>([
      { type: 'sent', attempt: 1 },
      {
        type: 'response',
        response: {
          status,
          statusText: '',
          headers: {},
          body: null,
          method: request.method,
          url: request.url,
        },
      },
    ]);
  };
}

describe('the interceptor chain', () => {
  it('runs defaults, organization and auth before user interceptors, in order, outside retry', async () => {
    const log: string[] = [];
    const seenByUser: TransportRequest[] = [];
    const user =
      (name: string): Interceptor =>
      (request, next) => {
        log.push(`${name} request`);
        seenByUser.push(request);
        return next({ ...request, headers: { ...request.headers, [`X-${name}`]: '1' } }).pipe(
          tap((event) => log.push(`${name} ${event.type === 'sent' ? `sent#${event.attempt}` : event.type}`)),
        );
      };
    const reached: TransportRequest[] = [];
    const transport = new Transport(
      new Configuration({
        host: 'http://cvat.test',
        accessToken: 'pat',
        organization: 'acme',
        interceptors: [user('outer'), user('inner')],
        retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
      }),
      { backend: fakeBackend([503, 200], reached) },
    );
    const events = await lastValueFrom(
      transport.events({ method: 'GET', url: '/api/tasks' }).pipe(toArray()),
    );
    expect(events.map((e) => (e.type === 'sent' ? `sent#${e.attempt}` : e.type))).toEqual([
      'sent#1',
      'sent#2',
      'response',
    ]);
    // User interceptors run once per request, outermost first, and see every attempt's events.
    expect(log).toEqual([
      'outer request',
      'inner request',
      'inner sent#1',
      'outer sent#1',
      'inner sent#2',
      'outer sent#2',
      'inner response',
      'outer response',
    ]);
    // They see the request with defaults, organization and auth applied.
    expect(seenByUser[0]!.headers).toMatchObject({
      Accept: 'application/vnd.cvat+json',
      'X-Organization': 'acme',
      Authorization: 'Bearer pat',
    });
    // The backend gets their changes on every attempt.
    expect(reached).toHaveLength(2);
    for (const request of reached) expect(request.headers).toMatchObject({ 'X-outer': '1', 'X-inner': '1' });
  });

  it('turns a throwing interceptor into an error in the stream, not a synchronous throw', async () => {
    const boom: Interceptor = () => {
      throw new Error('boom');
    };
    const transport = new Transport(new Configuration({ host: 'http://cvat.test', interceptors: [boom] }), {
      backend: fakeBackend([200], []),
    });
    const events$ = transport.events({ method: 'GET', url: '/x' });
    await expect(lastValueFrom(events$)).rejects.toThrow('boom');
  });

  it('is cold: nothing reaches the backend before subscribe, and each subscription is a new request', async () => {
    const reached: TransportRequest[] = [];
    const transport = new Transport(new Configuration({ host: 'http://cvat.test' }), {
      backend: fakeBackend([200], reached),
    });
    const request$ = transport.request({ method: 'GET', url: '/x' });
    expect(reached).toHaveLength(0);
    await lastValueFrom(request$);
    await lastValueFrom(request$);
    expect(reached).toHaveLength(2);
  });
});
