import { BenchEmulator } from '../lib/emulator';
import { runChild } from '../lib/spawn';
import { median } from '../lib/stats';
import { fmtUs } from '../lib/table';
import type { Row } from '../lib/table';
import type { PerCallResult } from './percall-child';

const CLIENTS = ['cvatRx', 'axios', 'http'] as const;

/**
 * 2,000 sequential GET /api/server/about per run: the ApiClient vs axios vs Node's http. Each run of
 * each client is its own process, as an application would run one client, warmed by 2,000 calls
 * first; runs are interleaved. The informational "one process" row runs all three in one process,
 * where they share axios' JIT state (cvat-rx's stream requests and the baseline's JSON requests
 * make axios' own code polymorphic, and cvat-rx pays more for it).
 */
export async function perCallSuite(
  calls: number,
  runs: number,
): Promise<{ rows: Row[]; raw: { separate: PerCallResult; oneProcess: PerCallResult } }> {
  const emu = await BenchEmulator.start();
  try {
    const separate: PerCallResult = { cvatRx: [], axios: [], http: [] };
    // The emulator's CPU time per call while each client ran (it serves every client alike).
    const serverMsPerCall: Record<(typeof CLIENTS)[number], number[]> = { cvatRx: [], axios: [], http: [] };
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < CLIENTS.length; k++) {
        const client = CLIENTS[(r + k) % CLIENTS.length]!;
        const one = await runChild<PerCallResult & { serverCpuMs?: number }>({
          kind: 'percall',
          url: emu.url,
          calls,
          runs: 1,
          warm: 2000,
          client,
        });
        separate[client].push(...one[client]);
        if (one.serverCpuMs !== undefined) serverMsPerCall[client].push(one.serverCpuMs / calls);
      }
    }
    const oneProcess = await runChild<PerCallResult>({ kind: 'percall', url: emu.url, calls, runs });
    const rx = median(separate.cvatRx);
    const ax = median(separate.axios);
    const nh = median(separate.http);
    const rx1 = median(oneProcess.cvatRx);
    const ax1 = median(oneProcess.axios);
    const section = `per-call (${calls.toLocaleString('en')} × GET /api/server/about)`;
    const emulator = (client: (typeof CLIENTS)[number]): string =>
      serverMsPerCall[client].length ? ` (emulator CPU ${fmtUs(median(serverMsPerCall[client]))})` : '';
    const row = (
      name: string,
      a: number,
      b: number,
      goal: string,
      met: boolean | null,
      clients?: readonly [(typeof CLIENTS)[number], (typeof CLIENTS)[number]],
    ): Row => ({
      section,
      name,
      cvatRx: `${fmtUs(a)}/call${clients ? emulator(clients[0]) : ''}`,
      baseline: `${fmtUs(b)}/call${clients ? emulator(clients[1]) : ''}`,
      ratio: a / b,
      goal,
      met,
      runs,
    });
    return {
      raw: { separate, oneProcess },
      rows: [
        row('ApiClient vs axios', rx, ax, '≤ 1.10× axios', rx / ax <= 1.1, ['cvatRx', 'axios']),
        row('ApiClient vs node:http', rx, nh, '(informational)', null, ['cvatRx', 'http']),
        row('ApiClient vs axios, all clients in one process', rx1, ax1, '(informational)', null),
      ],
    };
  } finally {
    await emu.close();
  }
}
