import { BenchEmulator } from '../lib/emulator';
import { runChild } from '../lib/spawn';
import { median } from '../lib/stats';
import { fmtMs } from '../lib/table';
import type { Row } from '../lib/table';
import type { ListResult } from './lists-child';

/** client.tasks.list() over `count` tasks: sequential pages vs `prefetch` pages ahead. */
export async function listSuite(
  count: number,
  pageSize: number,
  prefetch: number,
  runs: number,
): Promise<{ rows: Row[]; raw: { sequential: ListResult; prefetch: ListResult } }> {
  const emu = await BenchEmulator.start();
  try {
    await emu.createManyTasks(count);
    const sequential = await runChild<ListResult>({
      kind: 'list',
      url: emu.url,
      pageSize,
      prefetch: 0,
      runs,
    });
    const ahead = await runChild<ListResult>({ kind: 'list', url: emu.url, pageSize, prefetch, runs });
    const seq = median(sequential.ms);
    const pre = median(ahead.ms);
    return {
      raw: { sequential, prefetch: ahead },
      rows: [
        {
          section: 'lists',
          name: `${count.toLocaleString('en')} tasks, page size ${pageSize}: prefetch ${prefetch} vs sequential`,
          cvatRx: `${fmtMs(pre)} (${(count / (pre / 1000)).toFixed(0)} tasks/s)`,
          baseline: `${fmtMs(seq)} sequential`,
          ratio: pre / seq,
          goal: '(informational; < 1× is a gain)',
          met: null,
          runs,
          note: `items seen: ${ahead.items} / ${sequential.items}`,
        },
      ],
    };
  } finally {
    await emu.close();
  }
}
