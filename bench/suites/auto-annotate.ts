import { lastValueFrom } from 'rxjs';
import { annotateTask } from '../../src/auto-annotation';
import type { DetectionFunction } from '../../src/auto-annotation';
import { makeNodeClient } from '../../src/node';
import { encodePng, gradient } from '../../examples/demo/images';
import { BenchEmulator, PASSWORD, USER } from '../lib/emulator';
import { median } from '../lib/stats';
import { fmtMs } from '../lib/table';
import type { Row } from '../lib/table';

export interface AutoAnnotateResult {
  readonly framesMs: number[];
  readonly annotateMs: number[];
  readonly frames: number;
}

/** A function that finds nothing: what is measured is the driver (download, unzip, scheduling, upload). */
const noop: DetectionFunction = { spec: { labels: [{ id: 0, name: 'car' }] }, detect: () => [] };

/**
 * annotateTask with a no-op function over an image task against the same frames read with
 * task.frames() alone (the driver reads chunks with prefetch; frames() reads whole chunks too since
 * #19's second round, `concurrency` chunks at once), both with `concurrency` frames at once, in the
 * bench's process, runs alternating.
 */
export async function autoAnnotateSuite(
  frames: number,
  concurrency: number,
  runs: number,
): Promise<{ rows: Row[]; raw: AutoAnnotateResult }> {
  const emu = await BenchEmulator.start();
  try {
    const client = await lastValueFrom(
      makeNodeClient({ host: emu.url }).login({ username: USER, password: PASSWORD }),
    );
    const image = encodePng(320, 240, gradient(320, 240, [20, 20, 40], [200, 120, 60]));
    const task = await lastValueFrom(
      client.tasks.createFromData({
        spec: { name: 'bench auto-annotate', labels: [{ name: 'car' }] },
        resources: Array.from({ length: frames }, (_, n) => ({
          name: `f_${String(n).padStart(5, '0')}.png`,
          data: image,
        })),
        dataParams: { image_quality: 70, chunk_size: 36 },
      }),
    );
    const ids = Array.from({ length: frames }, (_, n) => n);
    const framesMs: number[] = [];
    const annotateMs: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const order = run % 2 === 0 ? ['frames', 'annotate'] : ['annotate', 'frames'];
      for (const which of order) {
        const started = performance.now();
        if (which === 'frames') {
          await lastValueFrom(task.frames(ids, { concurrency, quality: 'original' }), {
            defaultValue: undefined,
          });
          framesMs.push(performance.now() - started);
        } else {
          await lastValueFrom(annotateTask(client, task.id, noop, { concurrency }));
          annotateMs.push(performance.now() - started);
        }
      }
    }
    const base = median(framesMs);
    const driver = median(annotateMs);
    const fps = (ms: number): string => `${(frames / (ms / 1000)).toFixed(0)} frames/s`;
    return {
      raw: { framesMs, annotateMs, frames },
      rows: [
        {
          section: 'auto-annotation',
          name: `${frames} frames, concurrency ${concurrency}: annotateTask (no-op function) vs task.frames()`,
          cvatRx: `${fmtMs(driver)} (${fps(driver)})`,
          baseline: `${fmtMs(base)} (${fps(base)})`,
          ratio: driver / base,
          goal: '<= 1.10× (driver costs < 10 %)',
          met: driver / base <= 1.1,
          runs,
        },
      ],
    };
  } finally {
    await emu.close();
  }
}
