import http from 'node:http';
import axios from 'axios';
import { lastValueFrom } from 'rxjs';
import { ApiClient } from '../../src/api';
import { Configuration } from '../../src/transport';
import { profiled } from '../lib/profile';
import { nowMs } from '../lib/stats';

export interface PerCallResult {
  /** Milliseconds per call, one entry per run. */
  readonly cvatRx: number[];
  readonly axios: number[];
  readonly http: number[];
}

/**
 * GET /api/server/about `calls` times in sequence through each client (or only `job.client`), after
 * `job.warm` calls to warm the JIT and the socket; all use keep-alive sockets.
 */
export async function runPerCall(job: Record<string, unknown>): Promise<PerCallResult> {
  const url = String(job.url);
  const calls = Number(job.calls);
  const runs = Number(job.runs);

  const api = new ApiClient(new Configuration({ host: url }));
  const ax = axios.create({ baseURL: url, httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1 }) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const about = new URL('/api/server/about', url);

  const clients: Record<keyof PerCallResult, () => Promise<unknown>> = {
    cvatRx: () => lastValueFrom(api.serverApi.retrieveAbout({})),
    axios: () => ax.get('/api/server/about').then((r) => r.data as unknown),
    http: () =>
      new Promise((resolve, reject) => {
        http
          .get(about, { agent, headers: { Accept: 'application/json' } }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => parts.push(d));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown));
            res.on('error', reject);
          })
          .on('error', reject);
      }),
  };
  const names = (typeof job.client === 'string' ? [job.client] : Object.keys(clients)) as Array<
    keyof PerCallResult
  >;
  const warmCalls = Number(job.warm ?? 300);
  const loop = async (call: () => Promise<unknown>, n: number): Promise<number> => {
    const start = nowMs();
    for (let i = 0; i < n; i++) await call();
    return (nowMs() - start) / n;
  };
  for (const name of names) await loop(clients[name], warmCalls); // JIT and sockets warm
  const result: PerCallResult = { cvatRx: [], axios: [], http: [] };
  const profileDir = typeof job.profileDir === 'string' ? job.profileDir : undefined;
  await profiled(profileDir, `percall-${names.join('-')}`, async () => {
    for (let r = 0; r < runs; r++) {
      // Rotate the order so that no client always runs first (or last) in a run.
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length]!;
        result[name].push(await loop(clients[name], calls));
      }
    }
  });
  return result;
}
