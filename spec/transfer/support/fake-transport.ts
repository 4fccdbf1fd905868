import { Observable, filter, map } from 'rxjs';
import { ApiError, NetworkError } from '../../../src/errors';
import type { ApiResponse, TransportEvent, TransportRequest } from '../../../src/transport/types';
import type { TransferTransport } from '../../../src/transfer/http';

/** What the fake server answers to one request. */
export type FakeReply =
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: unknown;
      /** upload_progress events (bytes of the body) before the response. */
      readonly progress?: readonly number[];
      /** download_progress events before the response. */
      readonly download?: readonly number[];
    }
  | { readonly reset: true; readonly progress?: readonly number[] }
  | { readonly hang: true };

export interface Recorded {
  readonly request: TransportRequest;
  readonly bodyText?: string;
  aborted: boolean;
}

/**
 * A transport double for the engine's unit tests: it records every request (and when it was
 * aborted) and answers from a script, synchronously; a `hang` reply never answers.
 */
export class FakeTransport implements TransferTransport {
  readonly configuration = { host: 'http://cvat.test:8080' };
  readonly requests: Recorded[] = [];

  constructor(private readonly reply: (request: TransportRequest, index: number) => FakeReply) {}

  events(request: TransportRequest): Observable<TransportEvent> {
    return new Observable<TransportEvent>((subscriber) => {
      const record: Recorded = { request, aborted: false };
      this.requests.push(record);
      const answer = this.reply(request, this.requests.length - 1);
      let done = false;
      subscriber.next({ type: 'sent', attempt: 1 });
      if ('hang' in answer) {
        return () => {
          if (!done) record.aborted = true;
        };
      }
      for (const loaded of answer.progress ?? []) {
        subscriber.next({
          type: 'upload_progress',
          loaded,
          ...(request.bodySize ? { total: request.bodySize } : {}),
        });
      }
      done = true;
      if ('reset' in answer) {
        subscriber.error(
          new NetworkError('socket hang up', {
            method: request.method,
            url: request.url,
            code: 'ECONNRESET',
          }),
        );
        return;
      }
      const response: ApiResponse = {
        status: answer.status,
        statusText: '',
        headers: Object.fromEntries(
          Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
        ),
        body: answer.body,
        method: request.method,
        url: request.url,
      };
      subscriber.next({ type: 'response_headers', status: response.status, headers: response.headers });
      for (const loaded of answer.download ?? []) subscriber.next({ type: 'download_progress', loaded });
      subscriber.next({ type: 'response', response });
      subscriber.complete();
      return undefined;
    });
  }

  request(request: TransportRequest, options: { checkStatus?: boolean } = {}): Observable<ApiResponse> {
    return this.events(request).pipe(
      filter((event): event is Extract<TransportEvent, { type: 'response' }> => event.type === 'response'),
      map(({ response }) => {
        if (options.checkStatus !== false && (response.status < 200 || response.status >= 300)) {
          throw new ApiError({ ...response, body: response.body, headers: response.headers });
        }
        return response;
      }),
    );
  }

  /** `METHOD url [Upload-Offset]` lines, for asserting exact sequences. */
  lines(): string[] {
    return this.requests.map(({ request }) => {
      const offset = request.headers?.['Upload-Offset'];
      return `${request.method} ${request.url}${offset === undefined ? '' : ` @${offset}`}`;
    });
  }
}
