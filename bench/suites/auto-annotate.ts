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
  /** Per sample, the mean time of one pass (PASSES passes in a row). */
  readonly framesMs: number[];
  readonly annotateMs: number[];
  readonly frames: number;
}

/** A function that finds nothing: what is measured is the driver (download, unzip, scheduling, upload). */
const noop: DetectionFunction = { spec: { labels: [{ id: 0, name: 'car' }] }, detect: () => [] };

/** Chunks the driver processes at once; `prefetchChunks` more are read ahead of them. */
const DRIVER_CHUNKS = 2;
/**
 * Passes of each client per sample (a sample is their mean): one pass takes 40–90 ms, where one
 * garbage collection moves it by a tenth; four in a row weigh such a pause less, and compare the
 * same work.
 */
const PASSES = 4;

/**
 * annotateTask with a no-op function over an image task against the same frames read with
 * task.frames() alone (frames() reads whole chunks too since #19's second round, `concurrency`
 * chunks at once), both with `concurrency` frames at once, in the bench's process, runs
 * alternating. The driver reads as many chunks at once as frames() does (its 2 chunks in work and
 * `concurrency - 2` ahead), so that the row measures the driver's own work, not two download
 * depths; its default (2 ahead) keeps less in memory.
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
    const prefetchChunks = Math.max(0, concurrency - DRIVER_CHUNKS);
    const framesMs: number[] = [];
    const annotateMs: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const order = run % 2 === 0 ? ['frames', 'annotate'] : ['annotate', 'frames'];
      for (const which of order) {
        const started = performance.now();
        for (let pass = 0; pass < PASSES; pass += 1) {
          if (which === 'frames') {
            await lastValueFrom(task.frames(ids, { concurrency, quality: 'original' }), {
              defaultValue: undefined,
            });
          } else {
            await lastValueFrom(annotateTask(client, task.id, noop, { concurrency, prefetchChunks }));
          }
        }
        (which === 'frames' ? framesMs : annotateMs).push((performance.now() - started) / PASSES);
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
