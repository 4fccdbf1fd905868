import { createReadStream } from 'node:fs';
import http from 'node:http';
import { PASSWORD, USER } from '../lib/emulator';
import { peakRss, rssNow } from '../lib/memory';
import { cpuMsSince, nowMs } from '../lib/stats';
import type { TransferResult } from './transfer-child';

const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const agent = new http.Agent({ keepAlive: true });

function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string | NodeJS.ReadableStream,
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { Authorization: AUTH, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined || typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

/**
 * The baseline a Node user would write by hand: the same TUS protocol as curl (Upload-Start,
 * create, ONE streamed PATCH of the whole file, Upload-Finish) with node:http and fs streams.
 * It tells which part of a gap to curl is Node's own I/O, and which is cvat-rx's.
 */
export async function runNodeUpload(job: Record<string, unknown>): Promise<TransferResult> {
  const base = String(job.url);
  const endpoint = `${base}/api/tasks/${Number(job.taskId)}/data/`;
  const size = Number(job.bytes);
  const json = { 'Content-Type': 'application/json' };
  await send('GET', `${base}/api/server/about`, {});
  const baselineRss = rssNow();
  const start = nowMs();
  const cpu = process.cpuUsage();
  await send('POST', endpoint, { ...json, 'Upload-Start': 'true' }, '{}');
  const created = await send('POST', endpoint, {
    'Tus-Resumable': '1.0.0',
    'Upload-Length': String(size),
    'Upload-Metadata': `filename ${Buffer.from('big.png').toString('base64')}`,
  });
  const location = created.headers.location;
  if (created.status !== 201 || !location) throw new Error(`TUS create answered ${created.status}`);
  const patched = await send(
    'PATCH',
    location,
    {
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(size),
    },
    createReadStream(String(job.file)),
  );
  if (patched.status !== 204) throw new Error(`TUS PATCH answered ${patched.status}`);
  const finished = await send('POST', endpoint, { ...json, 'Upload-Finish': 'true' }, '{"image_quality":70}');
  if (finished.status !== 202) throw new Error(`Upload-Finish answered ${finished.status}`);
  return { ms: nowMs() - start, cpuMs: cpuMsSince(cpu), bytes: size, baselineRss, peakRss: peakRss() };
}
