import { readdirSync } from 'node:fs';
import http from 'node:http';
import axios from 'axios';
import { join } from 'node:path';
import { filter, from, lastValueFrom, mergeMap, reduce } from 'rxjs';
import { ApiClient } from '../../src/api';
import { downloadToFile, uploadFiles } from '../../src/node';
import { isResultEvent } from '../../src/transfer';
import { Configuration, Transport } from '../../src/transport';
import { PASSWORD, USER } from '../lib/emulator';
import { peakRss, rssNow, startSection } from '../lib/memory';
import { profiled } from '../lib/profile';
import type { MemoryFigures } from '../lib/memory';
import { nowMs } from '../lib/stats';
import { bareGetter } from './bare-http';

export interface TransferResult extends MemoryFigures {
  readonly ms: number;
  /** CPU time of the whole client process (all threads) during the measured section. */
  readonly cpuMs?: number;
  /** The kernel's share of `cpuMs` (see SectionCost). */
  readonly systemMs?: number;
  /** The client's minor page faults during the measured section (see SectionCost). */
  readonly pageFaults?: number;
  /** CPU time of the emulator (the parent process) during the measured section; set by the parent. */
  readonly serverCpuMs?: number;
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
  const section = startSection();
  const result = await profiled(profileDir(job), 'upload', () =>
    lastValueFrom(
      uploadFiles(transport, inputs, {
        url: `/api/tasks/${Number(job.taskId)}/data/`,
        finishBody: { image_quality: 70 },
        ...(chunkSize === undefined ? {} : { tus: { chunkSize } }),
      }).pipe(filter(isResultEvent)),
    ),
  );
  return {
    ...section(),
    bytes,
    baselineRss,
    peakRss: peakRss(),
    ...(result.value.rqId ? { rqId: result.value.rqId } : {}),
  };
}

/**
 * How a frame is fetched: through cvat-rx's ApiClient, or the baselines (plain axios, node:http,
 * and the bare socket client of bare-http.ts).
 */
type FrameClient = 'cvat-rx' | 'axios' | 'http' | 'bare';

function frameFetcher(
  client: FrameClient,
  url: string,
  id: number,
  concurrency: number,
): (n: number) => Promise<number> {
  const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const path = (n: number): string => `/api/tasks/${id}/data?type=frame&quality=original&number=${n}`;
  if (client === 'axios') {
    const ax = axios.create({
      baseURL: url,
      httpAgent: new http.Agent({ keepAlive: true }),
      headers: { Authorization: auth },
    });
    return (n) =>
      ax.get<ArrayBuffer>(path(n), { responseType: 'arraybuffer' }).then((r) => byteLength(r.data));
  }
  if (client === 'bare') {
    // One socket per frame in flight, as node:http's keep-alive agent ends up with.
    const bare = bareGetter(url, auth, concurrency);
    return (n) => bare.get(path(n)).then((body) => body.byteLength);
  }
  if (client === 'http') {
    const agent = new http.Agent({ keepAlive: true });
    return (n) =>
      new Promise((resolve, reject) => {
        http
          .get(`${url}${path(n)}`, { agent, headers: { Authorization: auth } }, (res) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => parts.push(d));
            res.on('end', () => resolve(Buffer.concat(parts).byteLength));
            res.on('error', reject);
          })
          .on('error', reject);
      });
  }
  const api = new ApiClient(transportFor(url));
  return (number) =>
    lastValueFrom(api.tasksApi.retrieveData({ id, type: 'frame', number, quality: 'original' })).then(
      ([, response]) => byteLength(response.body),
    );
}

export interface FramesResult extends TransferResult {
  /** The first pass, in the fresh process (JIT still cold); `ms` is the second, warm pass. */
  readonly coldMs: number;
}

/**
 * `count` frames of a task, `concurrency` requests at a time, kept in memory as the caller would:
 * twice, so that both the first pass of a fresh process and the steady state are measured.
 */
export async function runFrames(job: Record<string, unknown>): Promise<FramesResult> {
  const client = (job.client ?? 'cvat-rx') as FrameClient;
  const fetchFrame = frameFetcher(client, String(job.url), Number(job.taskId), Number(job.concurrency));
  const count = Number(job.count);
  const pass = (): Promise<number> =>
    lastValueFrom(
      from(Array.from({ length: count }, (_, i) => i)).pipe(
        mergeMap((n) => fetchFrame(n), Number(job.concurrency)),
        reduce((sum, n) => sum + n, 0),
      ),
    );
  await fetchFrame(0); // modules and the first socket
  const baselineRss = rssNow();
  const coldStart = nowMs();
  await pass();
  const coldMs = nowMs() - coldStart;
  const section = startSection();
  const bytes = await profiled(profileDir(job), `frames-${client}`, pass);
  return {
    ...section(),
    coldMs,
    bytes,
    baselineRss,
    peakRss: peakRss(),
  };
}

const profileDir = (job: Record<string, unknown>): string | undefined =>
  typeof job.profileDir === 'string' ? job.profileDir : undefined;

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
  const section = startSection();
  const result = await profiled(profileDir(job), 'download', () =>
    lastValueFrom(
      downloadToFile(
        transport,
        { method: 'GET', url: String(job.path) },
        { path: String(job.target), overwrite: true },
      ).pipe(filter(isResultEvent)),
    ),
  );
  return {
    ...section(),
    bytes: result.value.size,
    baselineRss,
    peakRss: peakRss(),
  };
}
