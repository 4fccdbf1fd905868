/**
 * An axios adapter over `node:http` / `node:https`, plugged in through axios' `adapter` option.
 *
 * Why: axios' own Node adapter does a lot of work per request that cvat-rx never needs (proxy
 * and redirect plumbing, body conversions, a stream pipeline per response); in the bench it is
 * most of the gap between plain axios and `node:http` (bench/README.md). axios stays the API
 * (instance, config, request/response interceptors, agents); only the last step changes.
 *
 * What it honours, as axios' adapter does: `url`/`baseURL`, `method`, `headers` (sanitized to
 * byte strings; `User-Agent` and `Accept-Encoding` defaulted), `data` (a Readable, bytes or a
 * string), credentials in the URL, `httpAgent`/`httpsAgent`, `transport` (an object with
 * `request(options, callback)`), `decompress` (gzip, deflate, br), `signal`, `timeout` (until the
 * response headers, then the socket's idle time), `validateStatus`. Redirects are never followed
 * (a 3xx is returned as it is). Responses are streams (`responseType: 'stream'`), the only kind
 * cvat-rx asks for. Proxies are not handled here: the backend uses axios' adapter when one is set.
 */
import axios, { AxiosError, AxiosHeaders, CanceledError } from 'axios';
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import type * as NodeZlib from 'node:zlib';
import type { NodeBuiltins } from './runtime';

/** What `config.transport` must offer (axios' Node adapter accepts the same). */
export interface NodeRequestTransport {
  request(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest;
}

const ACCEPT_ENCODING = 'gzip, compress, deflate, br';
/** Characters a header value may not carry on the wire; axios strips them, and so do we. */
const NOT_BYTE_STRING = /[^\t\x20-\x7e\x80-\xff]+/g;
const TCP_KEEPALIVE_MS = 60_000;
/** Sockets already given TCP keep-alive (a system call; once per socket is enough). */
const keptAlive = new WeakSet<Socket>();
const noop = (): void => undefined;
const encoder = new TextEncoder();

/** The axios adapter of cvat-rx's Node path; needs `zlib` among the Node modules for decompression. */
export function createNodeAdapter(node: NodeBuiltins & { readonly zlib: typeof NodeZlib }): AxiosAdapter {
  return (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      send(node, config, resolve, reject);
    });
}

function isRequestTransport(value: unknown): value is NodeRequestTransport {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { request?: unknown }).request === 'function'
  );
}

function isReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

function byteString(value: string): string {
  NOT_BYTE_STRING.lastIndex = 0;
  const clean = NOT_BYTE_STRING.test(value) ? value.replace(NOT_BYTE_STRING, '') : value;
  return clean.trim() === clean ? clean : clean.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The request headers as Node wants them: a plain object of byte strings, defaults added. */
function wireHeaders(config: InternalAxiosRequestConfig): OutgoingHttpHeaders {
  // An AxiosHeaders keeps each header as an own property: read them in one pass (as its toJSON
  // does, without the intermediate object), noting the two defaults on the way.
  const headers = AxiosHeaders.from(config.headers) as unknown as Readonly<Record<string, unknown>>;
  const out: OutgoingHttpHeaders = {};
  let userAgent = false;
  let acceptEncoding = false;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    // A default set to null or false is not sent at all, as with axios' own adapter.
    const lower = name.toLowerCase();
    if (lower === 'user-agent') userAgent = true;
    else if (lower === 'accept-encoding') acceptEncoding = true;
    if (value === null || value === false) continue;
    out[name] = Array.isArray(value)
      ? value.map((item) => byteString(String(item)))
      : byteString(String(value));
  }
  if (!userAgent) out['User-Agent'] = `axios/${axios.VERSION}`;
  if (!acceptEncoding) out['Accept-Encoding'] = ACCEPT_ENCODING;
  return out;
}

/** What to send: nothing, a stream, or bytes (whose length then goes into Content-Length). */
function bodyOf(
  data: unknown,
  headers: OutgoingHttpHeaders,
): { stream?: Readable; bytes?: Uint8Array } | Error {
  if (data === undefined || data === null) return {};
  if (isReadable(data)) return { stream: data };
  let bytes: Uint8Array;
  if (typeof data === 'string') bytes = encoder.encode(data);
  else if (data instanceof Uint8Array) bytes = data;
  else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else return new Error('the request data must be a string, an ArrayBuffer, bytes or a stream');
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
    headers['Content-Length'] = bytes.byteLength;
  }
  return { bytes };
}

/** A Transform that gives a zlib header to a raw deflate stream (servers send either under `deflate`). */
function zlibHeader(node: NodeBuiltins): Transform {
  let first = true;
  return new node.stream.Transform({
    transform(chunk: Uint8Array, _encoding, callback) {
      if (first && chunk.byteLength > 0) {
        first = false;
        if (chunk[0] !== 0x78) this.push(new Uint8Array([0x78, 0x9c]));
      }
      callback(null, chunk);
    },
  });
}

/** The decompressing stages for a Content-Encoding, or undefined when it is not one we decode. */
function decoders(
  node: NodeBuiltins & { readonly zlib: typeof NodeZlib },
  encoding: string,
): Transform[] | undefined {
  const zlib = node.zlib;
  const flush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding.toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      return [zlib.createUnzip(flush)];
    case 'deflate':
      return [zlibHeader(node), zlib.createUnzip(flush)];
    case 'br':
      return [
        zlib.createBrotliDecompress({
          flush: zlib.constants.BROTLI_OPERATION_FLUSH,
          finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
        }),
      ];
    default:
      return undefined;
  }
}

function send(
  node: NodeBuiltins & { readonly zlib: typeof NodeZlib },
  config: InternalAxiosRequestConfig,
  resolve: (response: AxiosResponse) => void,
  reject: (error: unknown) => void,
): void {
  let settled = false;
  const cleanups: Array<() => void> = [];
  const settle = (outcome: () => void): void => {
    if (settled) return;
    settled = true;
    for (const step of cleanups.splice(0)) step();
    outcome();
  };
  const failWith = (error: unknown): void => settle(() => reject(error));

  if (config.responseType !== undefined && config.responseType !== 'stream') {
    return failWith(
      new AxiosError(
        `this adapter returns streams; responseType '${config.responseType}' is not supported`,
        AxiosError.ERR_BAD_OPTION_VALUE,
        config,
      ),
    );
  }
  let url: URL;
  try {
    url = new URL(config.url ?? '', config.baseURL);
  } catch (error) {
    return failWith(AxiosError.from(error, AxiosError.ERR_INVALID_URL, config));
  }
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') {
    return failWith(
      new AxiosError(`Unsupported protocol ${url.protocol}`, AxiosError.ERR_BAD_REQUEST, config),
    );
  }
  const method = (config.method ?? 'get').toUpperCase();
  const headers = wireHeaders(config);
  const body = bodyOf(config.data, headers);
  if (body instanceof Error) return failWith(AxiosError.from(body, AxiosError.ERR_BAD_REQUEST, config));
  const signal = config.signal;
  if (signal?.aborted) return failWith(new CanceledError(undefined, config));

  const options: RequestOptions = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port || undefined,
    path: url.pathname + url.search,
    method,
    headers,
    agent: (secure ? config.httpsAgent : config.httpAgent) as RequestOptions['agent'],
    insecureHTTPParser: false,
  };
  if (url.username || url.password) {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
  }
  const transport: NodeRequestTransport = isRequestTransport(config.transport)
    ? config.transport
    : secure
      ? node.https
      : node.http;

  let req: ClientRequest;
  try {
    req = transport.request(options, (res) => {
      if (settled || req.destroyed) {
        res.destroy();
        return;
      }
      settle(() => onResponse(node, config, method, req, res, resolve, reject));
    });
  } catch (error) {
    return failWith(error);
  }
  cleanups.push(() => req.removeListener('error', onRequestError));
  const onRequestError = (error: Error): void => failWith(AxiosError.from(error, undefined, config, req));
  req.on('error', onRequestError);
  // Errors after the response was handed over belong to its stream; keep them from being unhandled.
  req.on('error', noop);
  req.once('socket', (socket: Socket) => {
    if (keptAlive.has(socket) || typeof socket.setKeepAlive !== 'function') return;
    keptAlive.add(socket);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
  });

  if (signal && typeof signal.addEventListener === 'function') {
    // Aborting also ends a response being read: its stream fails with the CanceledError.
    const onAbort = (): void => {
      const error = new CanceledError(undefined, config, req);
      req.destroy(error);
      failWith(error);
    };
    signal.addEventListener('abort', onAbort);
    req.once('close', () => signal.removeEventListener?.('abort', onAbort));
  }
  const timeout = config.timeout ?? 0;
  if (timeout > 0) {
    const onTimeout = (): void => {
      const code = config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED;
      const message = config.timeoutErrorMessage ?? `timeout of ${timeout}ms exceeded`;
      req.destroy();
      failWith(new AxiosError(message, code, config, req));
    };
    const timer = setTimeout(onTimeout, timeout);
    cleanups.push(() => clearTimeout(timer));
    req.setTimeout(timeout, () =>
      req.destroy(new AxiosError(`timeout of ${timeout}ms exceeded`, AxiosError.ECONNABORTED)),
    );
  }

  const stream = body.stream;
  if (stream) {
    let ended = false;
    stream.once('end', () => (ended = true));
    stream.once('error', (error: Error) => {
      ended = true;
      req.destroy(error);
    });
    stream.once('close', () => {
      if (ended) return;
      req.destroy();
      failWith(new CanceledError('Request stream has been aborted', config, req));
    });
    stream.pipe(req);
  } else if (body.bytes !== undefined) req.end(body.bytes);
  else req.end();
}

function onResponse(
  node: NodeBuiltins & { readonly zlib: typeof NodeZlib },
  config: InternalAxiosRequestConfig,
  method: string,
  req: ClientRequest,
  res: IncomingMessage,
  resolve: (response: AxiosResponse) => void,
  reject: (error: unknown) => void,
): void {
  const status = res.statusCode ?? 0;
  let data: Readable = res;
  const encoding = res.headers['content-encoding'];
  if (config.decompress !== false && encoding) {
    if (method === 'HEAD' || status === 204) delete res.headers['content-encoding'];
    const stages = res.headers['content-encoding'] ? decoders(node, encoding) : undefined;
    if (stages) {
      node.stream.pipeline([res, ...stages], noop);
      data = stages[stages.length - 1]!;
      delete res.headers['content-encoding'];
    }
  }
  const response: AxiosResponse = {
    data,
    status,
    statusText: res.statusMessage ?? '',
    headers: res.headers as AxiosResponse['headers'],
    config,
    request: req,
  };
  const validate = config.validateStatus;
  if (!validate || validate(status)) resolve(response);
  else {
    res.destroy();
    reject(
      new AxiosError(
        `Request failed with status code ${status}`,
        status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
        config,
        req,
        response,
      ),
    );
  }
}
