/**
 * Node features, found at run time so that this folder imports no Node built-in (the package root
 * must bundle for browsers). `process.getBuiltinModule` (Node ≥ 20.16) hands out the modules; a
 * Transport can also be given them explicitly.
 */
import type * as NodeHttp from 'node:http';
import type * as NodeHttps from 'node:https';
import type * as NodeStream from 'node:stream';
import type * as NodeZlib from 'node:zlib';

export interface NodeModules {
  readonly stream: typeof NodeStream;
  readonly http: typeof NodeHttp;
  readonly https: typeof NodeHttps;
  /** For decompressing responses on cvat-rx's own request path; without it axios' adapter is used. */
  readonly zlib?: typeof NodeZlib;
}

interface ProcessLike {
  readonly versions?: { readonly node?: string };
  readonly getBuiltinModule?: (id: string) => unknown;
}

export function detectNodeModules(): NodeModules | undefined {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const load = proc?.getBuiltinModule;
  if (!proc?.versions?.node || typeof load !== 'function') return undefined;
  const stream = load.call(proc, 'node:stream') as typeof NodeStream | undefined;
  const http = load.call(proc, 'node:http') as typeof NodeHttp | undefined;
  const https = load.call(proc, 'node:https') as typeof NodeHttps | undefined;
  const zlib = load.call(proc, 'node:zlib') as typeof NodeZlib | undefined;
  return stream && http && https ? { stream, http, https, zlib } : undefined;
}
