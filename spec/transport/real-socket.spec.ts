/**
 * Against a real local HTTP server (no nock in this file: nock's interceptor buffers a
 * pass-through request body whole, which would hide the socket's behaviour).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { Duplex, Readable } from 'node:stream';
import { lastValueFrom, type Observable } from 'rxjs';
import { TimeoutError } from '../../src/errors';
import { detectNodeModules, type NodeModules } from '../../src/transport/runtime';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import type { TransportEvent } from '../../src/transport/types';
import { localServer, transportFor } from './local-server';

const fakeClock = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
afterEach(() => jest.useRealTimers());

function record(
  events$: Observable<TransportEvent>,
  sink: TransportEvent[],
  settle: (error?: unknown) => void,
) {
  return events$.subscribe({ next: (e) => sink.push(e), error: settle, complete: () => settle() });
}

/** Polls on real I/O turns (not on the clock, which may be fake). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('cancellation on a real socket', () => {
  it('the server sees the connection close when the subscriber leaves', async () => {
    let onClose!: () => void;
    const closed = new Promise<void>((resolve) => (onClose = resolve));
    let arrived = false;
    const server = await localServer((req) => {
      req.socket.once('close', onClose);
      arrived = true; // and never answers
    });
    try {
      fakeClock();
      let settled = false;
      const subscription = transportFor(server.host)
        .events({ method: 'GET', url: '/api/tasks' })
        .subscribe({ error: () => (settled = true), complete: () => (settled = true) });
      await until(() => arrived);
      expect(jest.getTimerCount()).toBeGreaterThan(0);
      subscription.unsubscribe();
      expect(jest.getTimerCount()).toBe(0);
      await closed;
      // Unsubscribing is silent: no error, no completion.
      expect(settled).toBe(false);
    } finally {
      jest.useRealTimers();
      await server.close();
    }
  });

  it('a request cancelled at once is never sent', async () => {
    const seen: string[] = [];
    const server = await localServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('{}');
    });
    try {
      const transport = transportFor(server.host);
      transport.events({ method: 'DELETE', url: '/api/tasks/1' }).subscribe().unsubscribe();
      // A later request on the same transport: once it is answered, the first would have arrived.
      await lastValueFrom(transport.request({ method: 'GET', url: '/api/server/about' }));
      expect(seen).toEqual(['/api/server/about']);
    } finally {
      await server.close();
    }
  });

  it('an upload cancelled midway stops reading its stream and destroys it', async () => {
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 65_536;
        this.push(Buffer.alloc(65_536));
      },
    });
    let arrived = false;
    let serverClosed = false;
    const server = await localServer((req) => {
      arrived = true;
      req.socket.once('close', () => (serverClosed = true));
      req.resume(); // reads the body, never answers
    });
    try {
      const events: TransportEvent[] = [];
      const subscription = record(
        transportFor(server.host).events({
          method: 'PUT',
          url: '/upload',
          body: source,
          bodySize: 1000 * 65_536,
        }),
        events,
        () => undefined,
      );
      await until(() => arrived && events.some((e) => e.type === 'upload_progress'));
      subscription.unsubscribe();
      expect(source.destroyed).toBe(true);
      const before = produced;
      await until(() => serverClosed);
      expect(produced).toBe(before);
    } finally {
      await server.close();
    }
  });
});

/**
 * Node modules whose http.request connects to a socket that never connects (a black-holed
 * address, without the network), and records the sockets it made.
 */
function blackHole(sockets: Duplex[]): NodeModules {
  const real = detectNodeModules()!;
  const request = ((options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) =>
    real.http.request(
      {
        ...options,
        agent: undefined,
        createConnection: () => {
          const socket = Object.assign(
            new Duplex({
              read() {},
              write(_chunk, _encoding, done) {
                done();
              },
            }),
            { connecting: true },
          );
          sockets.push(socket);
          return socket as unknown as Socket;
        },
      },
      callback,
    )) as typeof http.request;
  return { ...real, http: { ...real.http, request } };
}

describe('timeouts on a real socket', () => {
  it('no connection within connectMs → TimeoutError (connect), and the socket is destroyed', async () => {
    fakeClock();
    const sockets: Duplex[] = [];
    const transport = new Transport(
      new Configuration({
        host: 'http://10.255.255.1',
        retry: { maxAttempts: 1 },
        timeouts: { connectMs: 1000, idleMs: 5000 },
      }),
      { node: blackHole(sockets) },
    );
    let failure: unknown;
    transport
      .request({ method: 'GET', url: '/api/tasks' })
      .subscribe({ error: (e: unknown) => (failure = e) });
    await jest.advanceTimersByTimeAsync(999);
    expect(failure).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    const timeout = failure as TimeoutError;
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.phase).toBe('connect');
    expect(timeout.timeoutMs).toBe(1000);
    expect(timeout.message).toBe('GET http://10.255.255.1/api/tasks: no connection within 1000 ms');
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.destroyed).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a connect timeout is retried (nothing reached the server)', async () => {
    fakeClock();
    const sockets: Duplex[] = [];
    const transport = new Transport(
      new Configuration({
        host: 'http://10.255.255.1',
        retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
        timeouts: { connectMs: 1000, idleMs: 5000 },
      }),
      { node: blackHole(sockets) },
    );
    let failure: unknown;
    transport
      .request({ method: 'POST', url: '/api/tasks', body: {} })
      .subscribe({ error: (e: unknown) => (failure = e) });
    await jest.advanceTimersByTimeAsync(3000);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect(sockets).toHaveLength(2);
  });

  it('silence before the headers → TimeoutError (idle)', async () => {
    let arrived = false;
    const server = await localServer(() => {
      arrived = true; // never answers
    });
    try {
      fakeClock();
      let failure: unknown;
      transportFor(server.host, { timeouts: { connectMs: 1000, idleMs: 2000 } })
        .request({ method: 'GET', url: '/api/tasks' })
        .subscribe({ error: (e: unknown) => (failure = e) });
      await until(() => arrived);
      await jest.advanceTimersByTimeAsync(1999);
      expect(failure).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(failure).toBeInstanceOf(TimeoutError);
      expect((failure as TimeoutError).phase).toBe('idle');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
      await server.close();
    }
  });

  it('silence between response chunks → TimeoutError (idle)', async () => {
    const server = await localServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '1000000' });
      res.write(Buffer.alloc(100_000)); // then stalls
    });
    try {
      fakeClock();
      const events: TransportEvent[] = [];
      let failure: unknown;
      record(
        transportFor(server.host, { timeouts: { connectMs: 1000, idleMs: 2000 } }).events({
          method: 'GET',
          url: '/chunk',
          responseType: 'arraybuffer',
        }),
        events,
        (e) => (failure = e),
      );
      await until(() => events.some((e) => e.type === 'download_progress'));
      await jest.advanceTimersByTimeAsync(2000);
      expect(failure).toBeInstanceOf(TimeoutError);
      expect((failure as TimeoutError).phase).toBe('idle');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
      await server.close();
    }
  });

  it('a slow but steady response does not time out', async () => {
    let response: http.ServerResponse | undefined;
    const server = await localServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.flushHeaders();
      response = res;
    });
    try {
      fakeClock();
      const events: TransportEvent[] = [];
      let done = false;
      let failure: unknown;
      record(
        transportFor(server.host, { timeouts: { connectMs: 1000, idleMs: 2000 } }).events({
          method: 'GET',
          url: '/slow',
          responseType: 'arraybuffer',
        }),
        events,
        (e) => {
          failure = e;
          done = true;
        },
      );
      await until(() => response !== undefined && events.some((e) => e.type === 'response_headers'));
      for (let i = 1; i <= 5; i++) {
        await jest.advanceTimersByTimeAsync(1500);
        response!.write(Buffer.alloc(70_000));
        await until(() => events.filter((e) => e.type === 'download_progress').length === i);
      }
      response!.end();
      await until(() => done);
      expect(failure).toBeUndefined();
      expect(events[events.length - 1]!.type).toBe('response');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
      await server.close();
    }
  });
});
