/**
 * The keep-alive agent of cvat-rx's own `http:` requests on Node. Each of its sockets reads into
 * one buffer of its own, reused for every read, instead of a fresh allocation per read.
 *
 * Why: Node allocates a new 64 KiB buffer for each socket read, and `node:http`'s parser then
 * copies the body bytes out of it into buffers of their own (and the header bytes into strings).
 * So the read buffer is dead as soon as the parser returns, yet each one is fresh memory: on a
 * 1 GiB download its page faults were most of the client's system time, and the download took
 * about half as long with one reused buffer (bench/README.md). Reusing it is safe only because
 * nothing but the parser sees these bytes: the agent is private to cvat-rx, and a test fails if
 * a Node version ever hands out body chunks that share the read buffer
 * (spec/transport/http-agent.spec.ts).
 *
 * TLS sockets take no `onread`, so `https:` keeps Node's agents.
 */
import type { Agent, ClientRequestArgs } from 'node:http';
import type * as NodeHttp from 'node:http';
import type * as NodeNet from 'node:net';

/**
 * The most one socket read takes: four times Node's own 64 KiB, so a large body goes through the
 * parser, the stream and the consumer in a quarter of the steps. A 1 GiB download spent ~530 ms of
 * user CPU with 64 KiB reads, ~395 ms with 256 KiB, ~310 ms with 1 MiB (4 runs each); 256 KiB
 * keeps most of that for a quarter of 1 MiB's memory per socket. (Larger reads had measured slower
 * while glibc returned each body copy's memory to the kernel: see malloc-trim.ts.)
 */
const READ_BUFFER_BYTES = 256 * 1024;

/** One agent per `node:http` module, shared by every Transport (as Node's global agent was). */
const agents = new WeakMap<typeof NodeHttp, Agent>();

/** The shared keep-alive `http:` agent whose sockets read into a reused buffer. */
export function reusedBufferAgent(http: typeof NodeHttp, net: typeof NodeNet): Agent {
  let agent = agents.get(http);
  if (agent === undefined) {
    agent = new http.Agent({ keepAlive: true });
    agent.createConnection = (options: ClientRequestArgs) => connect(net, options);
    agents.set(http, agent);
  }
  return agent;
}

function connect(net: typeof NodeNet, options: ClientRequestArgs): NodeNet.Socket {
  const buffer = new Uint8Array(READ_BUFFER_BYTES);
  // The view is handed to the socket's 'data' listeners (node:http's parser) and read before
  // the next read can fill the buffer again: the callback runs synchronously per read.
  const onread: NodeNet.OnReadOpts = {
    buffer,
    callback: (bytes) => {
      socket.emit('data', buffer.subarray(0, bytes));
      return true;
    },
  };
  // The agent's options are those of a TCP connection (host, port, local address, lookup…).
  const socket = net.connect({ ...(options as NodeNet.TcpNetConnectOpts), onread });
  return socket;
}
