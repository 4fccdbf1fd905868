/**
 * Node features, found at run time so that this folder imports no Node built-in (the package root
 * must bundle for browsers). `process.getBuiltinModule` (Node ≥ 20.16) hands out the modules; a
 * Transport can also be given them explicitly.
 */
import type * as NodeHttp from 'node:http';
import type * as NodeHttps from 'node:https';
import type * as NodeNet from 'node:net';
import type * as NodeStream from 'node:stream';
import type * as NodeZlib from 'node:zlib';

/** Node's built-in modules as the transport uses them (internal: its type needs @types/node). */
export interface NodeBuiltins {
  readonly stream: typeof NodeStream;
  readonly http: typeof NodeHttp;
  readonly https: typeof NodeHttps;
  /** For decompressing responses on cvat-rx's own request path; without it axios' adapter is used. */
  readonly zlib?: typeof NodeZlib;
  /** For the sockets of cvat-rx's own `http:` agent (http-agent.ts); without it Node's agent is used. */
  readonly net?: typeof NodeNet;
}

/**
 * Node's `node:stream`, `node:http` and `node:https` modules, for `TransportOptions.node`. Typed
 * loosely on purpose: the package root's declarations must compile without @types/node.
 */
export interface NodeModules {
  readonly stream: object;
  readonly http: object;
  readonly https: object;
}

/** The modules a caller handed in, seen with their real types (they are Node's own modules). */
export function asNodeBuiltins(modules: NodeModules): NodeBuiltins {
  return modules as NodeBuiltins;
}

interface ProcessLike {
  readonly versions?: { readonly node?: string };
  readonly getBuiltinModule?: (id: string) => unknown;
}

export function detectNodeModules(): NodeBuiltins | undefined {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const load = proc?.getBuiltinModule;
  if (!proc?.versions?.node || typeof load !== 'function') return undefined;
  const stream = load.call(proc, 'node:stream') as typeof NodeStream | undefined;
  const http = load.call(proc, 'node:http') as typeof NodeHttp | undefined;
  const https = load.call(proc, 'node:https') as typeof NodeHttps | undefined;
  const zlib = load.call(proc, 'node:zlib') as typeof NodeZlib | undefined;
  const net = load.call(proc, 'node:net') as typeof NodeNet | undefined;
  return stream && http && https ? { stream, http, https, zlib, net } : undefined;
}
