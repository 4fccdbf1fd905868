import { median } from '../lib/stats';
import { fmtMs } from '../lib/table';
import type { Row } from '../lib/table';
import { fullRatioOf, ratioOf, runDecode } from './decode';
import type { DecodeFigure } from './decode';

/** JSON.parse + io-ts decode vs JSON.parse alone (in the bench process, no emulator running). */
export function decodeSuite(
  shapes: number,
  runs: number,
): { rows: Row[]; raw: DecodeFigure[]; skipped?: string } {
  const { figures, skipped } = runDecode(shapes, runs);
  const rows = figures.flatMap((f): Row[] => [
    {
      section: 'decode',
      name: `${f.name} (${(f.bytes / 2 ** 10).toFixed(0)} KiB)`,
      cvatRx: fmtMs(median(f.parseDecodeMs)),
      baseline: fmtMs(median(f.parseMs)),
      ratio: ratioOf(f),
      goal: '≤ 2.5× JSON.parse',
      met: ratioOf(f) <= 2.5,
      runs,
    },
    {
      section: 'decode',
      name: `  same, before: io-ts decode without the is() fast path`,
      cvatRx: fmtMs(median(f.parseFullDecodeMs)),
      baseline: fmtMs(median(f.parseMs)),
      ratio: fullRatioOf(f),
      goal: '(informational)',
      met: null,
      runs,
    },
  ]);
  return { rows, raw: figures, ...(skipped ? { skipped } : {}) };
}
