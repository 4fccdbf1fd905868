import type * as t from 'io-ts';
import type { Observable } from 'rxjs';
import type {
  ApiResponse,
  HttpMethod,
  ResponseEvent,
  ResponseType,
  TransportEvent,
} from '../../transport/types';

/** Where a parameter travels. */
export type ParameterLocation = 'path' | 'query' | 'header';

/** One parameter of an operation: `key` in the parameter object, `name` on the wire. */
export interface ParameterSpec {
  readonly key: string;
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
}

/** What the generated code knows about one operation of the OpenAPI document. */
export interface OperationSpec<D> {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** The path template, e.g. `/api/tasks/{id}`. */
  readonly path: string;
  readonly parameters: readonly ParameterSpec[];
  /** Absent when the operation takes no request body. The first content type is the default. */
  readonly body?: { readonly required: boolean; readonly contentTypes: readonly string[] };
  /** How the transport should read the body of a successful response. */
  readonly responseType: ResponseType;
  /** The `Accept` header, when the document names JSON types other than CVAT's own. */
  readonly accept?: string;
  /** The decoder of each 2xx status the document declares; the first one also serves undeclared 2xx. */
  readonly success: Readonly<Record<number, t.Decoder<unknown, D>>>;
  /** Decoders of declared non-2xx statuses, used only with `checkStatus: false`. */
  readonly failure: Readonly<Record<number, t.Decoder<unknown, unknown>>>;
}

/** Per-call options of every generated method. */
export interface CallOptions {
  /** When false, non-2xx responses are emitted (decoded with the document's codec if it has one). Default true. */
  readonly checkStatus?: boolean;
  /** When false, the body is not decoded: data is `undefined`, the raw body is in `response.body`. Default true. */
  readonly parseResponse?: boolean;
  /** The request body's content type, one the operation declares (`multipart/form-data`, …) or a raw one. */
  readonly contentType?: string;
  /** How to read the response body, overriding the operation's default (`'stream'` for large downloads). */
  readonly responseType?: ResponseType;
  /** Extra request headers for this call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `'events'` emits the transport's progress events and then `{ type: 'result', value: [data, response] }`. */
  readonly observe?: 'body' | 'events';
}

/** The data a call emits, given its options. */
export type CallData<D, O> = O extends { readonly parseResponse: false }
  ? undefined
  : O extends { readonly checkStatus: false }
    ? unknown
    : D;

/** The final event of a call observed with `{ observe: 'events' }`. */
export interface ApiResultEvent<T> {
  readonly type: 'result';
  readonly value: readonly [T, ApiResponse];
}

/** Progress events of the transport (everything but the raw response), then the decoded result. */
export type ApiEvent<T> = Exclude<TransportEvent, ResponseEvent> | ApiResultEvent<T>;

/** What a generated method returns, given its options: `[data, response]`, or the event stream. */
export type CallResult<D, O> = O extends { readonly observe: 'events' }
  ? Observable<ApiEvent<CallData<D, O>>>
  : Observable<[CallData<D, O>, ApiResponse]>;
