import { lastValueFrom, Observable } from 'rxjs';
import { makeClient } from '../../src/client';
import type { Interceptor } from '../../src/transport/types';
import { BenchEmulator, PASSWORD, USER } from '../lib/emulator';
import { max, median } from '../lib/stats';
import { fmtMs } from '../lib/table';
import type { Row } from '../lib/table';

export interface PollRun {
  /** From the export's POST to the server's `finished`. */
  readonly elapsedMs: number;
  /** From the server's `finished` to cvat-rx reporting it. */
  readonly delayMs: number;
  readonly requests: number;
}

/**
 * client.requests.watch() with the client's default polling, on server requests that take about
 * `durationMs` (the emulator's processingDelayMs). The runs of one duration go concurrently (each
 * is its own request and its own poll loop), so 5 × 60 s costs one minute.
 */
export async function pollingSuite(
  durationsMs: readonly number[],
  runs: number,
): Promise<{ rows: Row[]; raw: Record<string, PollRun[]> }> {
  const rows: Row[] = [];
  const raw: Record<string, PollRun[]> = {};
  for (const duration of durationsMs) {
    const emu = await BenchEmulator.start(duration);
    try {
      const polls = new Map<string, number>();
      const counter: Interceptor = (request, next) =>
        new Observable((subscriber) => {
          const m = /\/api\/requests\/([^/?]+)/.exec(request.url);
          if (m) {
            const id = decodeURIComponent(m[1]!);
            polls.set(id, (polls.get(id) ?? 0) + 1);
          }
          return next(request).subscribe(subscriber);
        });
      const client = makeClient({
        host: emu.url,
        credentials: { username: USER, password: PASSWORD },
        config: { transport: { interceptors: [counter] } },
      });
      const tasks = await Promise.all(
        Array.from({ length: runs }, (_, i) => emu.createTaskWithData(`poll-${duration}-${i}`)),
      );
      const results = await Promise.all(
        tasks.map(async (taskId): Promise<PollRun> => {
          const posted = Date.now();
          const { rq_id } = (await emu.api('POST', `/api/tasks/${taskId}/backup/export`)) as {
            rq_id: string;
          };
          await lastValueFrom(client.requests.watch(rq_id));
          const detected = Date.now();
          const rec = emu.running.emulator.state.requests.get(rq_id)!;
          const finished = Date.parse(rec.finished_date ?? '');
          return {
            elapsedMs: finished - posted,
            delayMs: detected - finished,
            requests: polls.get(rq_id) ?? 0,
          };
        }),
      );
      raw[String(duration)] = results;
      const elapsed = median(results.map((r) => r.elapsedMs));
      const delay = median(results.map((r) => r.delayMs));
      const allowed = Math.max(250, 0.1 * elapsed);
      rows.push({
        section: 'polling',
        name: `request lasting ${fmtMs(elapsed)} (delay ${fmtMs(duration)})`,
        cvatRx: `+${fmtMs(delay)} (max ${fmtMs(max(results.map((r) => r.delayMs)))}), ${median(results.map((r) => r.requests))} GETs`,
        baseline: `allowed ${fmtMs(allowed)}`,
        ratio: delay / allowed,
        goal: '≤ max(250 ms, 10% elapsed)',
        met: delay <= allowed,
        runs,
      });
    } finally {
      await emu.close();
    }
  }
  return { rows, raw };
}
