import { BenchEmulator } from '../lib/emulator';
import { runChild } from '../lib/spawn';
import { median } from '../lib/stats';
import { fmtUs } from '../lib/table';
import type { Row } from '../lib/table';
import type { PerCallResult } from './percall-child';

/** 2,000 sequential GET /api/server/about per run: the ApiClient vs axios vs Node's http. */
export async function perCallSuite(
  calls: number,
  runs: number,
): Promise<{ rows: Row[]; raw: PerCallResult }> {
  const emu = await BenchEmulator.start();
  try {
    const raw = await runChild<PerCallResult>({ kind: 'percall', url: emu.url, calls, runs });
    const rx = median(raw.cvatRx);
    const ax = median(raw.axios);
    const nh = median(raw.http);
    const section = `per-call (${calls.toLocaleString('en')} × GET /api/server/about)`;
    return {
      raw,
      rows: [
        {
          section,
          name: 'ApiClient vs axios',
          cvatRx: `${fmtUs(rx)}/call`,
          baseline: `${fmtUs(ax)}/call`,
          ratio: rx / ax,
          goal: '≤ 1.15× axios',
          met: rx / ax <= 1.15,
          runs,
        },
        {
          section,
          name: 'ApiClient vs node:http',
          cvatRx: `${fmtUs(rx)}/call`,
          baseline: `${fmtUs(nh)}/call`,
          ratio: rx / nh,
          goal: '(informational)',
          met: null,
          runs,
        },
      ],
    };
  } finally {
    await emu.close();
  }
}
