import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import fc from 'fast-check';
import { Observable, take } from 'rxjs';
import { ApiClient } from '../../src/api';
import { makeClient } from '../../src/client';
import type { CvatClient } from '../../src/client';
import { Configuration } from '../../src/transport/configuration';
import { decodeBody, isOk } from '../../src/transport/response';
import { Transport } from '../../src/transport/transport';
import type { Handler, TransportEvent } from '../../src/transport/types';
import {
  expectValueOrCvatError,
  outcomeOf as boundedOutcome,
  type Outcome,
  escapeRecorder,
  hostileBody,
  hostileContentType,
  hostileHeaders,
  hostileStatus,
  oversizedBody,
} from './hostile';

/**
 * Hostile responses fed through the real transport chain (auth, session, retry, status checks)
 * and the generated decoders. Every outcome must be a value or a CvatError: never another
 * exception, never a hang, never an unhandled rejection.
 * Case counts: RUNS below (CVAT_RX_FUZZ_BACKEND, CVAT_RX_FUZZ_WIRE); CVAT_RX_FUZZ_SEED replays a run.
 */
const RUNS = {
  backend: Number(process.env['CVAT_RX_FUZZ_BACKEND'] ?? 9_000),
  oversized: 30,
  wire: Number(process.env['CVAT_RX_FUZZ_WIRE'] ?? 1_200),
  params: 1_000,
};
const SEED = Number(process.env['CVAT_RX_FUZZ_SEED'] ?? 20261127);
let casesRun = 0;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/** A backend that answers every attempt with `reply`, decoding the bytes as the axios backend does. */
function backendFor(reply: Reply): Handler {
  return (request) =>
    new Observable<TransportEvent>((subscriber) => {
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.contentType !== undefined) headers['content-type'] = reply.contentType;
      subscriber.next({ type: 'sent', attempt: 1 });
      subscriber.next({ type: 'response_headers', status: reply.status, headers });
      subscriber.next({ type: 'download_progress', loaded: reply.body.byteLength });
      const body = decodeBody(
        reply.body,
        headers['content-type'],
        request.responseType ?? 'json',
        isOk(reply.status),
      );
      subscriber.next({
        type: 'response',
        response: {
          status: reply.status,
          statusText: '',
          headers,
          body,
          method: request.method,
          url: request.url,
        },
      });
      subscriber.complete();
    });
}

interface Stack {
  readonly transport: Transport;
  readonly api: ApiClient;
  readonly client: CvatClient;
}

type Operation = (stack: Stack) => Observable<unknown>;

const OPERATIONS: ReadonlyArray<readonly [string, Operation]> = [
  ['server_retrieve_about', ({ api }) => api.serverApi.retrieveAbout()],
  ['tasks_list', ({ api }) => api.tasksApi.list({ page: 1 })],
  ['tasks_retrieve', ({ api }) => api.tasksApi.retrieve({ id: 1 })],
  ['tasks_create', ({ api }) => api.tasksApi.create({ body: { name: 'x', labels: [{ name: 'a' }] } })],
  ['users_retrieve_self', ({ api }) => api.usersApi.retrieveSelf()],
  ['requests_retrieve', ({ api }) => api.requestsApi.retrieve({ id: 'rq' })],
  ['jobs_retrieve_annotations', ({ api }) => api.jobsApi.retrieveAnnotations({ id: 1 })],
  ['tasks_list (checkStatus false)', ({ api }) => api.tasksApi.list({}, { checkStatus: false })],
  ['client.tasks.retrieve', ({ client }) => client.tasks.retrieve(1)],
  ['client.tasks.list', ({ client }) => client.tasks.list().pipe(take(3))],
  ['client.jobs.list', ({ client }) => client.jobs.list().pipe(take(3))],
  ['client.users.retrieveCurrentUser', ({ client }) => client.users.retrieveCurrentUser()],
  ['client.login', ({ client }) => client.login({ username: 'u', password: 'p' })],
  ['client.checkServerVersion', ({ client }) => client.checkServerVersion()],
  [
    'transport text',
    ({ transport }) => transport.request({ method: 'GET', url: '/x', responseType: 'text' }),
  ],
  [
    'transport arraybuffer',
    ({ transport }) => transport.request({ method: 'GET', url: '/x', responseType: 'arraybuffer' }),
  ],
];

const quietLogger = { warn: () => undefined, debug: () => undefined };

function stackFor(host: string, backend?: Handler): Stack {
  const retry = { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 };
  const configuration = new Configuration({
    host,
    username: 'fuzz',
    password: 'fuzz-password',
    retry,
    timeouts: { connectMs: 2_000, idleMs: 2_000 },
  });
  const transport = new Transport(configuration, backend ? { backend } : {});
  return {
    transport,
    api: new ApiClient(transport),
    client: makeClient({
      host,
      credentials: { username: 'fuzz', password: 'fuzz-password' },
      config: {
        logger: quietLogger,
        polling: { minDelayMs: 1, maxDelayMs: 1 },
        transport: { retry, timeouts: { connectMs: 2_000, idleMs: 2_000 } },
        ...(backend ? { backend } : {}),
      },
    }),
  };
}

/** Runs an operation to its end (bounded in time), counting the cases run. */
function outcomeOf(source: Observable<unknown>, limitMs: number): Promise<Outcome> {
  casesRun += 1;
  return boundedOutcome(source, limitMs);
}

const reply: fc.Arbitrary<Reply> = fc.record({
  status: hostileStatus,
  headers: hostileHeaders,
  contentType: hostileContentType,
  body: hostileBody,
});

describe('hostile responses through the transport and the generated decoders', () => {
  let recorder: ReturnType<typeof escapeRecorder>;
  beforeAll(() => {
    recorder = escapeRecorder();
  });
  afterAll(() => {
    expect(recorder.stop()).toEqual([]);
  });

  it(`a custom backend: ${RUNS.backend} hostile replies × operations`, async () => {
    await fc.assert(
      fc.asyncProperty(reply, fc.constantFrom(...OPERATIONS), async (r, [name, operation]) => {
        const stack = stackFor('http://cvat.test', backendFor(r));
        expectValueOrCvatError(await outcomeOf(operation(stack), 2_000), name);
      }),
      { numRuns: RUNS.backend, seed: SEED },
    );
  }, 120_000);

  it(`oversized bodies (${RUNS.oversized} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        oversizedBody,
        hostileContentType,
        fc.constantFrom(...OPERATIONS),
        async (body, contentType, [name, operation]) => {
          const stack = stackFor(
            'http://cvat.test',
            backendFor({ status: 200, headers: {}, contentType, body }),
          );
          expectValueOrCvatError(await outcomeOf(operation(stack), 5_000), name);
        },
      ),
      { numRuns: RUNS.oversized, seed: SEED },
    );
  }, 120_000);

  it(`hostile parameters are UsageErrors or requests, never throws (${RUNS.params} cases)`, async () => {
    const ok = backendFor({
      status: 200,
      headers: {},
      contentType: 'application/json',
      body: Buffer.from('{}'),
    });
    const weird = fc.oneof(
      fc.double(),
      fc.string(),
      fc.constantFrom(NaN, Infinity, -1, 2 ** 64, '../../etc', '%2e%2e/', 'a/b?c#d', '\u0000', null),
      fc.object(),
    );
    await fc.assert(
      fc.asyncProperty(weird, weird, async (a, b) => {
        const stack = stackFor('http://cvat.test', ok);
        const calls: Array<Observable<unknown>> = [
          stack.api.tasksApi.retrieve({ id: a as number }),
          stack.api.tasksApi.list({ page: a as number, search: b as string }),
          stack.api.requestsApi.retrieve({ id: a as string }),
          stack.client.tasks.retrieve(a as number),
          stack.client.tasks.list({ search: b as string, pageSize: a as number }),
        ];
        for (const call of calls)
          expectValueOrCvatError(await outcomeOf(call.pipe(take(2)), 2_000), 'params');
      }),
      { numRuns: RUNS.params / 5, seed: SEED },
    );
  }, 60_000);
});

// ---------------------------------------------------------------- the real wire

type Framing = 'length' | 'short-length' | 'long-length' | 'chunked' | 'broken-chunked' | 'close';

interface RawReply {
  readonly statusLine: string;
  readonly headerLines: readonly string[];
  readonly body: Uint8Array;
  readonly framing: Framing;
  /** Destroy the socket after this many bytes of the whole response (undefined: send all). */
  readonly cutAfter: number | undefined;
}

function rawBytes(r: RawReply): Buffer {
  const body = Buffer.from(r.body);
  const head: string[] = [r.statusLine, ...r.headerLines, 'Connection: close'];
  let payload: Buffer = body;
  switch (r.framing) {
    case 'length':
      head.push(`Content-Length: ${body.length}`);
      break;
    case 'short-length':
      head.push(`Content-Length: ${Math.max(0, body.length - 3)}`);
      break;
    case 'long-length':
      head.push(`Content-Length: ${body.length + 50}`);
      break;
    case 'chunked':
      head.push('Transfer-Encoding: chunked');
      payload = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from(body.length ? '\r\n0\r\n\r\n' : '\r\n'),
      ]);
      break;
    case 'broken-chunked':
      head.push('Transfer-Encoding: chunked');
      payload = Buffer.concat([Buffer.from('zz\r\n'), body]);
      break;
    case 'close':
      break;
  }
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

const statusLine = fc.oneof(
  { weight: 6, arbitrary: hostileStatus.map((s) => `HTTP/1.1 ${s} Whatever`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'HTTP/1.1 200',
      'HTTP/1.0 200 OK',
      'HTTP/2 200 OK',
      'HTTP/1.1 abc OK',
      'garbage',
      '',
    ),
  },
);
const headerLine = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(hostileHeaders).map(([h]) => Object.entries(h).map(([k, v]) => `${k}: ${v}`)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ['Content-Type: application/json', 'Content-Type: text/html'],
      ['X-Bad\u0000Header: 1'],
      ['no colon here'],
      [': empty name'],
      ['Set-Cookie: sessionid=x\u00ff; Path=/'],
      ['Content-Length: 5', 'Content-Length: 6'],
      ['Content-Encoding: gzip'],
      ['Content-Encoding: br'],
      ['X-Long: ' + 'a'.repeat(20_000)],
    ),
  },
);

const rawReply: fc.Arbitrary<RawReply> = fc.record({
  statusLine,
  headerLines: fc
    .tuple(fc.array(headerLine, { maxLength: 2 }), hostileContentType)
    .map(([lines, type]) => [...lines.flat(), ...(type === undefined ? [] : [`Content-Type: ${type}`])]),
  body: fc.oneof({ weight: 20, arbitrary: hostileBody }, { weight: 1, arbitrary: oversizedBody }),
  framing: fc.constantFrom<Framing>(
    'length',
    'length',
    'short-length',
    'long-length',
    'chunked',
    'broken-chunked',
    'close',
  ),
  cutAfter: fc.option(fc.nat({ max: 400 }), { freq: 4 }),
});

describe('hostile bytes on a real socket (127.0.0.1)', () => {
  let server: Server;
  let host: string;
  let next: RawReply | undefined;
  const sockets = new Set<Socket>();
  let recorder: ReturnType<typeof escapeRecorder>;

  beforeAll(async () => {
    recorder = escapeRecorder();
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let seen = '';
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        if (!seen.includes('\r\n\r\n') || next === undefined) return;
        seen = '';
        const bytes = rawBytes(next);
        if (next.cutAfter !== undefined && next.cutAfter < bytes.length) {
          socket.write(bytes.subarray(0, next.cutAfter), () => socket.destroy());
        } else {
          socket.end(bytes);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(recorder.stop()).toEqual([]);
    console.log(`fuzz: ${casesRun} cases run in all (seed ${SEED})`);
  });

  it(`${RUNS.wire} raw responses through axios, the transport and the decoders`, async () => {
    await fc.assert(
      fc.asyncProperty(rawReply, fc.constantFrom(...OPERATIONS), async (r, [name, operation]) => {
        next = r;
        const stack = stackFor(host);
        expectValueOrCvatError(await outcomeOf(operation(stack), 10_000), name);
      }),
      { numRuns: RUNS.wire, seed: SEED },
    );
  }, 180_000);
});
