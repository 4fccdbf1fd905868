import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { filter, from, lastValueFrom, mergeMap, reduce } from 'rxjs';
import { ApiClient } from '../../src/api';
import { downloadToFile, uploadFiles } from '../../src/node';
import { isResultEvent } from '../../src/transfer';
import { Configuration, Transport } from '../../src/transport';
import { PASSWORD, USER } from '../lib/emulator';
import { peakRss, rssNow } from '../lib/memory';
import type { MemoryFigures } from '../lib/memory';
import { nowMs } from '../lib/stats';

export interface TransferResult extends MemoryFigures {
  readonly ms: number;
  readonly bytes: number;
  readonly rqId?: string;
}

function transportFor(url: string): Transport {
  return new Transport(new Configuration({ host: url, username: USER, password: PASSWORD }));
}

/** One request first, so that modules, sockets and JIT are warm before the baseline RSS. */
async function warm(transport: Transport): Promise<void> {
  await lastValueFrom(transport.request({ method: 'GET', url: '/api/server/about' }));
}

/** Task data through cvat-rx's upload protocol (Upload-Start, bulk groups / TUS, Upload-Finish). */
export async function runUpload(job: Record<string, unknown>): Promise<TransferResult> {
  const transport = transportFor(String(job.url));
  const inputs =
    typeof job.file === 'string'
      ? [job.file]
      : readdirSync(String(job.dir))
          .sort()
          .map((name) => join(String(job.dir), name));
  const bytes = Number(job.bytes);
  const chunkSize = typeof job.chunkSize === 'number' ? job.chunkSize : undefined;
  await warm(transport);
  const baselineRss = rssNow();
  const start = nowMs();
  const result = await lastValueFrom(
    uploadFiles(transport, inputs, {
      url: `/api/tasks/${Number(job.taskId)}/data/`,
      finishBody: { image_quality: 70 },
      ...(chunkSize === undefined ? {} : { tus: { chunkSize } }),
    }).pipe(filter(isResultEvent)),
  );
  const ms = nowMs() - start;
  return { ms, bytes, baselineRss, peakRss: peakRss(), ...(result.value.rqId ? { rqId: result.value.rqId } : {}) };
}

/** `count` frames of a task, `concurrency` requests at a time, kept in memory as the caller would. */
export async function runFrames(job: Record<string, unknown>): Promise<TransferResult> {
  const transport = transportFor(String(job.url));
  const api = new ApiClient(transport);
  const id = Number(job.taskId);
  const count = Number(job.count);
  await warm(transport);
  const baselineRss = rssNow();
  const start = nowMs();
  const bytes = await lastValueFrom(
    from(Array.from({ length: count }, (_, i) => i)).pipe(
      mergeMap(
        (number) => api.tasksApi.retrieveData({ id, type: 'frame', number, quality: 'original' }),
        Number(job.concurrency),
      ),
      reduce((sum, [, response]) => sum + byteLength(response.body), 0),
    ),
  );
  return { ms: nowMs() - start, bytes, baselineRss, peakRss: peakRss() };
}

function byteLength(body: unknown): number {
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  throw new Error('frame body is not binary');
}

/** One large file streamed to disk (temporary file, renamed when complete). */
export async function runDownload(job: Record<string, unknown>): Promise<TransferResult> {
  const transport = transportFor(String(job.url));
  await warm(transport);
  const baselineRss = rssNow();
  const start = nowMs();
  const result = await lastValueFrom(
    downloadToFile(
      transport,
      { method: 'GET', url: String(job.path) },
      { path: String(job.target), overwrite: true },
    ).pipe(filter(isResultEvent)),
  );
  return { ms: nowMs() - start, bytes: result.value.size, baselineRss, peakRss: peakRss() };
}
