/**
 * The fastest a Node client gets on the frames row: HTTP/1.1 GETs written and parsed by hand over
 * `node:net`, on keep-alive sockets, with none of `node:http` (no ClientRequest, agent or
 * response stream). Bench-only and deliberately narrow: 200 responses with a Content-Length,
 * anything else fails the sample. Its ratio to curl says how much of the frames gap any client in
 * a Node process pays on this machine (bench/README.md, tenth round).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');

interface Pending {
  readonly resolve: (body: Buffer) => void;
  readonly reject: (error: Error) => void;
}

/** One keep-alive socket answering one GET at a time. */
class BareConnection {
  private readonly socket: Socket;
  private head: Buffer | undefined;
  private body: Buffer[] = [];
  private received = 0;
  private expected = -1;
  private pending: Pending | undefined;

  constructor(
    port: number,
    host: string,
    private readonly onIdle: (connection: BareConnection) => void,
    private readonly onClosed: (connection: BareConnection) => void,
  ) {
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on('data', (data: Buffer) => this.onData(data));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  get(request: string, pending: Pending): void {
    this.pending = pending;
    this.socket.write(request, 'latin1');
  }

  private onData(data: Buffer): void {
    let rest = data;
    if (this.expected < 0) {
      const all = this.head ? Buffer.concat([this.head, data]) : data;
      const end = all.indexOf(HEAD_END);
      if (end < 0) {
        this.head = all;
        return;
      }
      this.head = undefined;
      const head = all.toString('latin1', 0, end);
      const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
      if (!head.startsWith('HTTP/1.1 200 ') || !length) {
        this.fail(new Error(`bare client: unexpected response ${head.split('\r\n', 1)[0]}`));
        return;
      }
      this.expected = Number(length[1]);
      rest = all.subarray(end + HEAD_END.length);
    }
    if (rest.byteLength > 0) {
      this.body.push(rest);
      this.received += rest.byteLength;
    }
    if (this.received < this.expected) return;
    const body = this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body, this.received);
    const pending = this.pending;
    this.body = [];
    this.received = 0;
    this.expected = -1;
    this.pending = undefined;
    this.onIdle(this);
    pending?.resolve(body);
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    this.socket.destroy();
    this.onClosed(this);
    pending?.reject(error);
  }
}

/** `get(path)` over at most `connections` sockets to `origin` (the bench child exits to close them). */
export function bareGetter(
  origin: string,
  authorization: string,
  connections: number,
): { get: (path: string) => Promise<Buffer> } {
  const url = new URL(origin);
  let idle: BareConnection[] = [];
  let all: BareConnection[] = [];
  const queue: Array<(connection: BareConnection) => void> = [];
  const release = (connection: BareConnection): void => {
    const next = queue.shift();
    if (next) next(connection);
    else idle.push(connection);
  };
  const drop = (connection: BareConnection): void => {
    idle = idle.filter((c) => c !== connection);
    all = all.filter((c) => c !== connection);
  };
  const acquire = (use: (connection: BareConnection) => void): void => {
    const connection = idle.pop();
    if (connection) use(connection);
    else if (all.length < connections) {
      const fresh = new BareConnection(Number(url.port || 80), url.hostname, release, drop);
      all.push(fresh);
      use(fresh);
    } else queue.push(use);
  };
  const headers = `Host: ${url.host}\r\nAuthorization: ${authorization}\r\nConnection: keep-alive\r\n\r\n`;
  return {
    get: (path) =>
      new Promise((resolve, reject) =>
        acquire((connection) => connection.get(`GET ${path} HTTP/1.1\r\n${headers}`, { resolve, reject })),
      ),
  };
}
