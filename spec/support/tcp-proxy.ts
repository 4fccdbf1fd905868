import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface CuttingProxyOptions {
  /** Where to forward (the emulator), on loopback. */
  readonly targetHost?: string;
  readonly targetPort: number;
  /**
   * Offsets in the cumulative client→server byte count (over every connection) at which the
   * connection carrying that byte is reset: the bytes before the offset reach the server, the
   * rest is lost. Sorted ascending; each offset cuts once.
   */
  readonly cutAt?: readonly number[];
}

export interface CuttingProxy {
  /** `http://127.0.0.1:PORT`: a host for a Configuration. */
  readonly url: string;
  /** Client→server bytes handed to the upstream socket (request lines, headers and bodies). */
  readonly forwardedUp: number;
  /** Server→client bytes handed back. */
  readonly forwardedDown: number;
  /** How many connections were reset by a scheduled cut. */
  readonly cuts: number;
  readonly connections: number;
  /** Sockets currently open, both sides counted. */
  readonly open: number;
  /** Replaces the schedule of cuts (offsets in the cumulative upstream count, as in `cutAt`). */
  schedule(offsets: readonly number[]): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 that forwards to one target and resets connections at scheduled byte
 * offsets of the upstream direction. A cut writes the bytes up to the offset, waits until they
 * are handed to the kernel, then resets both sides (RST to the client), as a network failure
 * in the middle of a request body would.
 */
export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  let pending = [...(options.cutAt ?? [])].sort((a, b) => a - b);
  let forwardedUp = 0;
  let forwardedDown = 0;
  let cuts = 0;
  let connections = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = connect({ host: targetHost, port: options.targetPort });
    sockets.add(client);
    sockets.add(upstream);
    let cutting = false;

    const teardown = (): void => {
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('close', () => {
      sockets.delete(client);
      teardown();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      teardown();
    });
    client.on('error', teardown);
    upstream.on('error', teardown);

    client.on('data', (chunk: Buffer) => {
      if (cutting) return;
      const next = pending[0];
      if (next !== undefined && forwardedUp + chunk.length >= next) {
        pending = pending.slice(1);
        cutting = true;
        cuts += 1;
        const part = chunk.subarray(0, Math.max(0, next - forwardedUp));
        forwardedUp += part.length;
        client.pause();
        const reset = (): void => {
          upstream.destroy();
          if (!client.destroyed) client.resetAndDestroy();
        };
        if (part.length === 0) reset();
        else upstream.write(part, reset);
        return;
      }
      forwardedUp += chunk.length;
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutting) return;
      forwardedDown += chunk.length;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    get forwardedUp() {
      return forwardedUp;
    },
    get forwardedDown() {
      return forwardedDown;
    },
    get cuts() {
      return cuts;
    },
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    schedule(offsets) {
      pending = [...offsets].sort((a, b) => a - b);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
