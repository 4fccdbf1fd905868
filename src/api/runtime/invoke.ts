import * as t from 'io-ts';
import { defer, map, type Observable } from 'rxjs';
import { decodeOrThrow } from '../../transport/decode';
import { toApiError, type Transport } from '../../transport/transport';
import type { ApiResponse, TransportEvent } from '../../transport/types';
import { buildRequest } from './build-request';
import type { ApiEvent, CallOptions, CallResult, OperationSpec } from './types';

/**
 * Runs one operation: builds the request inside `defer` (so bad parameters reach the error
 * channel), sends it, and decodes the body with the codec the document names for the status.
 */
export function invoke<D, O extends CallOptions>(
  transport: Transport,
  spec: OperationSpec<D>,
  params: Readonly<Record<string, unknown>>,
  options?: O,
): CallResult<D, O> {
  const opts: CallOptions = options ?? {};
  const result =
    opts.observe === 'events' ? events(transport, spec, params, opts) : body(transport, spec, params, opts);
  // The conditional return type follows `O`, which TypeScript cannot narrow inside a generic body.
  return result as CallResult<D, O>;
}

function body<D>(
  transport: Transport,
  spec: OperationSpec<D>,
  params: Readonly<Record<string, unknown>>,
  options: CallOptions,
): Observable<[unknown, ApiResponse]> {
  return defer(() =>
    transport.request(buildRequest(spec, params, options), { checkStatus: options.checkStatus !== false }),
  ).pipe(map((response): [unknown, ApiResponse] => [decodeBody(spec, response, options), response]));
}

function events<D>(
  transport: Transport,
  spec: OperationSpec<D>,
  params: Readonly<Record<string, unknown>>,
  options: CallOptions,
): Observable<ApiEvent<unknown>> {
  return defer(() => {
    const request = buildRequest(spec, params, options);
    return transport.events(request).pipe(
      map((event: TransportEvent): ApiEvent<unknown> => {
        if (event.type !== 'response') return event;
        const response = event.response;
        if (options.checkStatus !== false && !isSuccess(response.status)) throw toApiError(request, response);
        return { type: 'result', value: [decodeBody(spec, response, options), response] };
      }),
    );
  });
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Decodes a response body by status; statuses the document does not declare give `undefined`. */
export function decodeBody<D>(spec: OperationSpec<D>, response: ApiResponse, options: CallOptions): unknown {
  if (options.parseResponse === false) return undefined;
  const status = response.status;
  const context = { operationId: spec.operationId, status };
  if (isSuccess(status)) {
    const decoder = spec.success[status] ?? Object.values(spec.success)[0];
    return decoder === undefined ? undefined : decodeOrThrow(asType(decoder), response.body, context);
  }
  const decoder = spec.failure[status];
  return decoder === undefined ? undefined : decodeOrThrow(asType(decoder), response.body, context);
}

/** `decodeOrThrow` takes a full codec; responses only need decoding, and decoders are covariant. */
function asType<A>(decoder: t.Decoder<unknown, A>): t.Type<A, unknown, unknown> {
  return new t.Type<A, unknown, unknown>(
    decoder.name,
    // `is` feeds decodeOrThrow's fast path, so it must mean "already an A", never "decodes to an A".
    (u): u is A => decoder instanceof t.Type && (decoder as t.Type<A, unknown, unknown>).is(u),
    (u) => decoder.decode(u),
    t.identity,
  );
}
