import { defer, of } from 'rxjs';
import { Configuration } from '../../../src/transport/configuration';
import { Transport } from '../../../src/transport/transport';
import type { TransportEvent, TransportRequest } from '../../../src/transport/types';

export interface FakeReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A real Transport over a fake backend that records each request (as it leaves the transport's
 * chain) and answers with `reply`: tests of what the generated layer hands to the transport.
 */
export function fakeTransport(
  reply: (request: TransportRequest) => FakeReply,
  configuration = new Configuration({ host: 'http://cvat.test', retry: { maxAttempts: 1 } }),
): { transport: Transport; requests: TransportRequest[] } {
  const requests: TransportRequest[] = [];
  const backend = (request: TransportRequest) =>
    defer(() => {
      requests.push(request);
      const answer = reply(request);
      const events: TransportEvent[] = [
        { type: 'sent', attempt: 1 },
        {
          type: 'response',
          response: {
            status: answer.status,
            statusText: '',
            headers: answer.headers ?? {},
            body: answer.body,
            method: request.method,
            url: `${configuration.host}${request.url}`,
          },
        },
      ];
      return of(...events);
    });
  return { transport: new Transport(configuration, { backend, platform: 'browser' }), requests };
}
