/**
 * The innermost handler: one request over one axios instance, as a cold Observable.
 *
 * Each subscription is one attempt; unsubscribing aborts it (Node: destroys its ClientRequest;
 * browsers: an AbortController), destroys the body stream and clears the timers. Statuses are not
 * judged here (`validateStatus: () => true`): every response is emitted and `Transport.request`
 * decides. Events: `sent`, `upload_progress`…, `response_headers`, `download_progress`…, `response`.
 *
 * Node: bodies go through our counting stream (node-body.ts); the response arrives as a stream we
 * count ourselves; a small transport wrapper sees the socket for the connect timeout. Redirects
 * are not followed (CVAT's API does not redirect; a 3xx is emitted as it is). With
 * `responseType: 'stream'` a 2xx response is emitted with its stream as the body right after the
 * headers: reading it (and its progress and idle time) is then the caller's business.
 * Browsers: axios' XHR/fetch adapter, with its upload/download progress callbacks turned into
 * events; a final upload event with loaded = total is added before the headers.
 */
import axios from 'axios';
import type { AxiosInstance, AxiosProgressEvent, AxiosResponse } from 'axios';
import type { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { Observable, type Subscriber } from 'rxjs';
import { CancelledError, NetworkError, TimeoutError, UsageError } from '../errors';
import { bodyKind, bytesOf, concatBytes } from './body';
import type { Configuration } from './configuration';
import { scrubValue, toNetworkError, secretsOf } from './failure';
import { findHeader, normalizeResponseHeaders } from './headers';
import { directDispatch } from './direct-dispatch';
import type { Dispatch } from './direct-dispatch';
import { reusedBufferAgent } from './http-agent';
import { keepFreedMemoryForReuse } from './malloc-trim';
import type { MultipartBody } from './multipart';
import { createNodeAdapter } from './node-adapter';
import { prepareNodeBody, type PreparedBody } from './node-body';
import { ProgressMeter } from './progress';
import { ResponseBudget, responseLimit } from './limits';
import { redactUrl } from './redact';
import { decodeBody, isOk } from './response';
import type { NodeBuiltins } from './runtime';
import { Watchdog, type TimeoutPhase } from './timeouts';
import type { ApiResponse, Handler, ResponseHeaders, TransportEvent, TransportRequest } from './types';
import { buildUrl } from './url';

export interface AxiosBackendOptions {
  /** Node modules for the Node path; absent = the browser path. */
  readonly node?: NodeBuiltins;
  /**
   * Node: send through cvat-rx's own adapter (node-adapter.ts) rather than axios' (default true).
   * axios' adapter is used anyway when a proxy variable is set (it knows how to use proxies).
   */
  readonly ownAdapter?: boolean;
}

interface Attempt {
  readonly request: TransportRequest;
  /** Response body limits (see limits.ts). */
  readonly limits: Pick<Configuration, 'maxResponseBytes' | 'maxBinaryResponseBytes'>;
  readonly url: string;
  readonly safeUrl: string;
  /** The secrets to scrub from error messages and error bodies; worked out on first use. */
  readonly secrets: () => readonly string[];
  readonly subscriber: Subscriber<TransportEvent>;
  /** Stops the request in flight: the Node path destroys its ClientRequest, browsers abort a signal. */
  abort: () => void;
  readonly watchdog: Watchdog;
  done: boolean;
  headersSeen: boolean;
  cleanup: Array<() => void>;
}

/** Creates the axios backend of one Transport (one axios instance, its agents). */
export function createAxiosBackend(configuration: Configuration, options: AxiosBackendOptions = {}): Handler {
  const node = options.node;
  // Body copies are freed and reallocated all the time: keep glibc from returning them (malloc-trim.ts).
  if (node) keepFreedMemoryForReuse();
  const proxied = node !== undefined && proxyInEnvironment();
  const zlib = node?.zlib;
  const adapter =
    node && zlib && !proxied && options.ownAdapter !== false
      ? createNodeAdapter({ ...node, zlib })
      : undefined;
  const instance = axios.create({
    // We serialize bodies and parse responses ourselves, and classify every status.
    transformRequest: [],
    transformResponse: [],
    validateStatus: () => true,
    maxRedirects: 0,
    maxBodyLength: -1,
    maxContentLength: -1,
    timeout: 0,
    // axios reads the proxy variables on every request; with none set now, skip that work.
    ...(node && !proxied ? { proxy: false as const } : {}),
    ...(adapter ? { adapter } : {}),
  });
  const dispatch: Dispatch = adapter
    ? directDispatch(instance, adapter)
    : (config) => instance.request(config);
  // Only on cvat-rx's own adapter: axios' (used with a proxy) chooses its agents itself.
  const httpAgent = adapter && node?.net ? reusedBufferAgent(node.http, node.net) : undefined;
  let insecureAgent: HttpsAgent | undefined;
  const agents = (): NodeAgents => {
    if (!node || configuration.verifySsl) return { http: httpAgent };
    insecureAgent ??= new node.https.Agent({ rejectUnauthorized: false, keepAlive: true });
    return { http: httpAgent, https: insecureAgent };
  };
  const configured = [configuration.password, configuration.token, configuration.accessToken];

  return (request) =>
    new Observable<TransportEvent>((subscriber) => {
      const url = buildUrl(configuration.host, request.url, request.query);
      const timeouts = { ...configuration.timeouts, ...request.timeouts };
      const attempt: Attempt = {
        request,
        limits: configuration,
        url,
        safeUrl: redactUrl(url),
        // Only an error or an error status needs them: most requests never do.
        secrets: lazily(() => secretsOf(request.headers, configured)),
        subscriber,
        abort: () => undefined,
        watchdog: new Watchdog(timeouts, (phase, ms) => fail(attempt, timeoutError(attempt, phase, ms))),
        done: false,
        headersSeen: false,
        cleanup: [],
      };
      subscriber.next({ type: 'sent', attempt: 1 });
      attempt.watchdog.start();
      if (node) sendNode(dispatch, node, agents(), attempt);
      else sendBrowser(instance, attempt);
      return () => {
        if (!attempt.done) {
          attempt.done = true;
          attempt.abort();
        }
        finish(attempt);
      };
    });
}

function lazily<T extends object>(compute: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= compute());
}

/** The variables axios' proxy lookup (proxy-from-env) reads, in either case. */
const PROXY_VARIABLES = [
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'npm_config_http_proxy',
  'npm_config_https_proxy',
  'npm_config_proxy',
];

function proxyInEnvironment(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  return PROXY_VARIABLES.some((name) => Boolean(env[name] || env[name.toUpperCase()]));
}

function finish(attempt: Attempt): void {
  attempt.watchdog.stop();
  for (const step of attempt.cleanup.splice(0)) step();
}

function fail(attempt: Attempt, error: Error): void {
  if (attempt.done) return;
  attempt.done = true;
  attempt.abort();
  finish(attempt);
  attempt.subscriber.error(error);
}

function timeoutError(attempt: Attempt, phase: TimeoutPhase, ms: number): TimeoutError {
  const what = phase === 'connect' ? 'no connection' : 'no data';
  return new TimeoutError(`${attempt.request.method} ${attempt.safeUrl}: ${what} within ${ms} ms`, {
    timeoutMs: ms,
    phase,
  });
}

function networkError(attempt: Attempt, error: unknown, what?: string): NetworkError {
  return toNetworkError(error, {
    method: attempt.request.method,
    url: attempt.url,
    secrets: attempt.secrets(),
    what,
  });
}

/** Answers with a body read whole, decoded as the request asks (JSON, text, bytes). */
function respondDecoded(
  attempt: Attempt,
  status: number,
  statusText: string,
  headers: ResponseHeaders,
  bytes: Uint8Array,
  ok: boolean,
): void {
  const body = decodeBody(bytes, headers['content-type'], attempt.request.responseType ?? 'json', ok);
  respond(attempt, status, statusText, headers, body);
}

function respond(
  attempt: Attempt,
  status: number,
  statusText: string,
  headers: ResponseHeaders,
  body: unknown,
) {
  if (attempt.done) return;
  attempt.done = true;
  finish(attempt);
  const response: ApiResponse = {
    status,
    statusText,
    headers,
    // Error pages may echo the request's credentials (Django's DEBUG page lists HTTP_AUTHORIZATION
    // and HTTP_COOKIE); the body ends up in ApiError's message, JSON and inspect output.
    body: isOk(status) ? body : scrubValue(body, attempt.secrets()),
    method: attempt.request.method,
    url: attempt.safeUrl,
  };
  attempt.subscriber.next({ type: 'response', response });
  attempt.subscriber.complete();
}

function requestHeaders(
  request: TransportRequest,
  implied: Readonly<Record<string, string>>,
  forced?: string,
) {
  const headers: Record<string, string> = { ...request.headers };
  for (const [name, value] of Object.entries(implied)) {
    if (findHeader(headers, name) === undefined) headers[name] = value;
  }
  if (forced) {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') delete headers[name];
    headers['Content-Type'] = forced;
  }
  return headers;
}

function totalOf(headers: ResponseHeaders, encoded: boolean): number | undefined {
  if (encoded) return undefined;
  const length = Number(headers['content-length']);
  return Number.isFinite(length) && length >= 0 ? length : undefined;
}

// ---------------------------------------------------------------- Node

/** The agents of the Node path; undefined means Node's global agent. */
interface NodeAgents {
  readonly http?: HttpAgent;
  readonly https?: HttpsAgent;
}

function sendNode(dispatch: Dispatch, node: NodeBuiltins, agents: NodeAgents, attempt: Attempt) {
  const { request, subscriber, watchdog } = attempt;
  let sourceError: unknown;
  const total = (): number | undefined => body?.total;
  const upload = new ProgressMeter((loaded) => {
    if (!attempt.headersSeen && !attempt.done)
      subscriber.next({ type: 'upload_progress', loaded, total: total() });
  });
  let body: PreparedBody | undefined;
  try {
    body = prepareNodeBody(request, node, {
      onBytes: (bytes) => {
        upload.add(bytes);
        watchdog.activity();
      },
      onEnd: () => upload.finish(),
      onSourceError: (error) => {
        sourceError = error;
      },
    });
  } catch (error) {
    fail(attempt, new UsageError('the request body cannot be sent', { cause: error }));
    return;
  }
  const prepared = body;
  attempt.cleanup.push(() => prepared.destroy());

  let contentEncoding: string | undefined;
  // No AbortSignal on this path (one per call is measurable, see bench/): the attempt destroys the
  // ClientRequest it made. axios calls this synchronously today; should it ever dispatch later, an
  // attempt cancelled meanwhile is still never sent.
  const transport = {
    request(options: RequestOptions, callback: (res: IncomingMessage) => void): ClientRequest {
      if (attempt.done) throw new CancelledError('the request was cancelled before it was sent');
      const module = options.protocol === 'https:' ? node.https : node.http;
      const req = module.request(options, (res) => {
        contentEncoding = res.headers['content-encoding'];
        callback(res);
      });
      attempt.abort = () => req.destroy();
      req.once('socket', (socket: Socket) => {
        if (!socket.connecting) watchdog.connected();
        else
          socket.once(options.protocol === 'https:' ? 'secureConnect' : 'connect', () =>
            watchdog.connected(),
          );
      });
      return req;
    },
  };
  const headers = requestHeaders(request, prepared.headers, prepared.forcedContentType);
  if (findHeader(headers, 'User-Agent') === undefined) headers['User-Agent'] = 'cvat-rx';

  dispatch<Readable>({
    url: attempt.url,
    method: request.method,
    headers,
    data: prepared.data,
    responseType: 'stream',
    transport,
    httpAgent: agents.http,
    httpsAgent: agents.https,
  }).then(
    (response) => onNodeResponse(attempt, response, contentEncoding !== undefined),
    (error: unknown) => {
      if (attempt.done) return;
      fail(
        attempt,
        sourceError !== undefined
          ? networkError(attempt, sourceError, 'reading the request body failed')
          : networkError(attempt, error),
      );
    },
  );
}

function onNodeResponse(attempt: Attempt, response: AxiosResponse<Readable>, encoded: boolean): void {
  const stream = response.data;
  if (attempt.done) {
    stream.destroy();
    return;
  }
  const { request, subscriber, watchdog } = attempt;
  attempt.headersSeen = true;
  watchdog.connected();
  watchdog.activity();
  const headers = normalizeResponseHeaders(response.headers as Record<string, unknown>);
  const status = response.status;
  subscriber.next({ type: 'response_headers', status, headers });
  const ok = isOk(status);
  if (ok && request.responseType === 'stream') {
    respond(attempt, status, response.statusText, headers, stream);
    return;
  }
  attempt.cleanup.push(() => {
    if (!stream.destroyed) stream.destroy();
  });
  const total = totalOf(headers, encoded);
  // Counted as read, so an endless body is cut as soon as it passes the limit (closing the socket).
  const budget = new ResponseBudget(responseLimit(attempt.limits, request, ok), request.method, attempt.url);
  const announced = budget.announce(total);
  if (announced) return fail(attempt, announced);
  const meter = new ProgressMeter((loaded) => {
    if (!attempt.done) subscriber.next({ type: 'download_progress', loaded, total });
  });
  const chunks: Uint8Array[] = [];
  let ended = false;
  stream.on('data', (chunk: Uint8Array) => {
    const tooLarge = budget.add(chunk.byteLength);
    if (tooLarge) return fail(attempt, tooLarge);
    chunks.push(chunk);
    meter.add(chunk.byteLength);
    watchdog.activity();
  });
  stream.once('end', () => {
    ended = true;
    if (meter.bytes > 0) meter.finish();
    respondDecoded(attempt, status, response.statusText, headers, concatBytes(chunks, meter.bytes), ok);
  });
  stream.once('error', (error: unknown) =>
    fail(attempt, networkError(attempt, error, 'the response broke off')),
  );
  stream.once('close', () => {
    if (!ended) {
      fail(
        attempt,
        new NetworkError('the connection closed before the response ended', {
          method: request.method,
          url: attempt.url,
          code: 'ECONNRESET',
        }),
      );
    }
  });
}

// ---------------------------------------------------------------- Browsers

/** What axios sends in a browser; `data` is a Promise while a MultipartBody becomes FormData. */
function browserData(request: TransportRequest): { data: unknown; total: number | undefined } {
  const body = request.body;
  switch (bodyKind(body)) {
    case 'none':
      return { data: undefined, total: undefined };
    case 'blob':
      return { data: body, total: (body as Blob).size };
    case 'form':
      return { data: body, total: undefined };
    case 'multipart':
      return { data: (body as MultipartBody).toFormData(), total: undefined };
    case 'stream':
      throw new UsageError('stream bodies need Node; in a browser send a Blob or File');
    case 'json':
    case 'text': {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return { data: text, total: new TextEncoder().encode(text).byteLength };
    }
    default: {
      // An ArrayBuffer suits every adapter (XHR, fetch, and axios' Node one).
      const bytes = bytesOf(body)!;
      const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return { data, total: bytes.byteLength };
    }
  }
}

function sendBrowser(instance: AxiosInstance, attempt: Attempt): void {
  const { request, subscriber, watchdog } = attempt;
  const controller = new AbortController();
  attempt.abort = () => controller.abort();
  let prepared: { data: unknown; total: number | undefined };
  try {
    prepared = browserData(request);
  } catch (error) {
    fail(attempt, error instanceof Error ? error : new UsageError(String(error)));
    return;
  }
  let uploadTotal = prepared.total;
  let uploaded = 0;
  let downloaded = 0;
  const budget = new ResponseBudget(
    responseLimit(attempt.limits, request, undefined),
    request.method,
    attempt.url,
  );
  const onUpload = (event: AxiosProgressEvent) => {
    watchdog.connected();
    watchdog.activity();
    if (event.total !== undefined) uploadTotal ??= event.total;
    if (attempt.done || attempt.headersSeen || event.loaded <= uploaded) return;
    uploaded = event.loaded;
    subscriber.next({ type: 'upload_progress', loaded: uploaded, total: uploadTotal });
  };
  const onDownload = (event: AxiosProgressEvent) => {
    watchdog.connected();
    watchdog.activity();
    if (attempt.done || event.loaded <= downloaded) return;
    const tooLarge = budget.announce(event.total) ?? budget.add(event.loaded - downloaded);
    if (tooLarge) return fail(attempt, tooLarge);
    downloaded = event.loaded;
    subscriber.next({ type: 'download_progress', loaded: downloaded, total: event.total });
  };
  const wantsBlob = request.responseType === 'blob' || request.responseType === 'stream';
  const send = (data: unknown) =>
    instance.request<ArrayBuffer | Blob>({
      url: attempt.url,
      method: request.method,
      headers: { ...request.headers },
      data,
      signal: controller.signal,
      responseType: wantsBlob ? 'blob' : 'arraybuffer',
      withCredentials: request.withCredentials ?? false,
      onUploadProgress: data === undefined ? undefined : onUpload,
      onDownloadProgress: onDownload,
    });
  const onResponse = async (response: AxiosResponse<ArrayBuffer | Blob>): Promise<void> => {
    if (attempt.done) return;
    if (uploadTotal !== undefined && uploaded < uploadTotal && !attempt.headersSeen) {
      uploaded = uploadTotal;
      subscriber.next({ type: 'upload_progress', loaded: uploaded, total: uploadTotal });
    }
    attempt.headersSeen = true;
    watchdog.connected();
    const headers = normalizeResponseHeaders(response.headers as Record<string, unknown>);
    const status = response.status;
    subscriber.next({ type: 'response_headers', status, headers });
    const ok = isOk(status);
    const data = response.data;
    if (ok && wantsBlob && data instanceof Blob) {
      respond(attempt, status, response.statusText, headers, data);
      return;
    }
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : data instanceof Uint8Array
          ? data
          : data instanceof Blob
            ? new Uint8Array(await data.arrayBuffer())
            : new Uint8Array(0);
    respondDecoded(attempt, status, response.statusText, headers, bytes, ok);
  };
  const onRequestError = (error: unknown): void => {
    if (!attempt.done) fail(attempt, networkError(attempt, error));
  };
  // A MultipartBody's FormData is a Promise (its files read whole are read first).
  Promise.resolve(prepared.data).then(
    (data) => (attempt.done ? undefined : send(data).then(onResponse, onRequestError)),
    (error: unknown) => {
      if (!attempt.done) fail(attempt, networkError(attempt, error, 'reading the request body failed'));
    },
  );
}
