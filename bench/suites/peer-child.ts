/**
 * cvat-rx's side of the cvat-sdk comparison (bench/suites/peers.ts): the same work through the
 * high-level client, the way its users would do it. The Python side is bench/peers/sdk_bench.py.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { count, lastValueFrom, take } from 'rxjs';
import { makeNodeClient } from '../../src/node';
import { PASSWORD, USER } from '../lib/emulator';
import { profiled } from '../lib/profile';
import { cpuMsSince, nowMs } from '../lib/stats';

export interface PeerResult {
  readonly ms: number;
  readonly cpuMs: number;
  /** Bytes moved (uploads, frames, download) or items listed. */
  readonly amount: number;
  /** The task a create job made. */
  readonly taskId?: number;
  /** Set by the parent: the emulator's CPU time during the measured section. */
  readonly serverCpuMs?: number;
}

export type PeerJob = 'create-big' | 'create-many' | 'frames' | 'download' | 'list';

/**
 * The status period of both sides' waits (create_from_data's processing, the backup's export):
 * cvat-sdk is given `status_check_period` 0.1 s (sdk_bench.py), so cvat-rx polls at the same fixed
 * period, as its CLI's `--completion_verification_period` does, and the rows compare the transfers.
 */
const STATUS_PERIOD_MS = 100;

/** One peer job, measured after a warm-up call (modules, socket, login). */
export async function runPeer(job: Record<string, unknown>): Promise<PeerResult> {
  const client = makeNodeClient({
    host: String(job.url),
    credentials: { username: USER, password: PASSWORD },
    config: { polling: { minDelayMs: STATUS_PERIOD_MS, maxDelayMs: STATUS_PERIOD_MS, jitter: 'none' } },
  });
  await lastValueFrom(client.tasks.list({ pageSize: 1 }).pipe(take(1)), { defaultValue: undefined });
  const kind = job.job as PeerJob;
  const start = nowMs();
  const cpu = process.cpuUsage();
  const profileDir = typeof job.profileDir === 'string' ? job.profileDir : undefined;
  const { amount, taskId } = await profiled(profileDir, `peer-${kind}`, () => work(client, kind, job));
  return { ms: nowMs() - start, cpuMs: cpuMsSince(cpu), amount, ...(taskId ? { taskId } : {}) };
}

async function work(
  client: ReturnType<typeof makeNodeClient>,
  kind: PeerJob,
  job: Record<string, unknown>,
): Promise<{ amount: number; taskId?: number }> {
  switch (kind) {
    case 'create-big':
    case 'create-many': {
      const resources =
        typeof job.file === 'string'
          ? [job.file]
          : readdirSync(String(job.dir))
              .sort()
              .map((name) => join(String(job.dir), name));
      const task = await lastValueFrom(
        client.tasks.createFromData({
          spec: { name: String(job.name), labels: [{ name: 'car' }] },
          resources,
          dataParams: { image_quality: 70 },
        }),
      );
      return { amount: Number(job.bytes), taskId: task.id };
    }
    case 'frames': {
      const task = await lastValueFrom(client.tasks.retrieve(Number(job.taskId)));
      const ids = Array.from({ length: Number(job.count) }, (_, i) => i);
      let bytes = 0;
      const frames$ = task.frames(ids, { quality: 'original' });
      await new Promise<void>((resolve, reject) =>
        frames$.subscribe({ next: (f) => (bytes += f.data.byteLength), error: reject, complete: resolve }),
      );
      return { amount: bytes };
    }
    case 'download': {
      const task = await lastValueFrom(client.tasks.retrieve(Number(job.taskId)));
      const saved = await lastValueFrom(task.downloadBackup(String(job.target), { overwrite: true }));
      return { amount: saved.size };
    }
    case 'list':
      return { amount: await lastValueFrom(client.tasks.list().pipe(count())) };
  }
}
