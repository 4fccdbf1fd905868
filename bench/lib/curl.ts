import { writeFileSync } from 'node:fs';
import { runProcess } from './spawn';
import { PASSWORD, USER } from './emulator';
import { nowMs } from './stats';

const COMMON = ['-sS', '--fail', '-u', `${USER}:${PASSWORD}`];

/** The installed curl's version line, or null when there is none (the baselines are then skipped). */
export async function curlVersion(): Promise<string | null> {
  try {
    const r = await runProcess('curl', ['--version']);
    return r.code === 0 ? (r.stdout.split('\n')[0] ?? null) : null;
  } catch {
    return null;
  }
}

async function curl(args: readonly string[]): Promise<string> {
  const r = await runProcess('curl', [...COMMON, ...args]);
  if (r.code !== 0) throw new Error(`curl ${args.join(' ')} failed (${String(r.code)}): ${r.stderr}`);
  return r.stdout;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * CVAT's TUS protocol by curl: Upload-Start and the TUS creation (one curl process), then the
 * whole file in ONE PATCH and Upload-Finish (a second process). One PATCH is the best case for
 * curl (no per-chunk round trips); cvat-rx sends 10 MiB chunks, as CVAT's SDK does.
 */
export async function curlTusUpload(
  base: string,
  taskId: number,
  file: string,
  size: number,
): Promise<number> {
  const endpoint = `${base}/api/tasks/${taskId}/data/`;
  const start = nowMs();
  const headers = await curl([
    '-X',
    'POST',
    '-H',
    'Upload-Start: true',
    '-H',
    'Content-Type: application/json',
    '--data',
    '{}',
    '-o',
    '/dev/null',
    endpoint,
    '--next',
    ...COMMON,
    '-X',
    'POST',
    '-H',
    'Tus-Resumable: 1.0.0',
    '-H',
    `Upload-Length: ${size}`,
    '-H',
    `Upload-Metadata: filename ${b64('big.png')},filetype ${b64('image/png')}`,
    '-D',
    '-',
    '-o',
    '/dev/null',
    endpoint,
  ]);
  const location = /^location:\s*(\S+)/im.exec(headers)?.[1];
  if (!location) throw new Error(`curl TUS: no Location in ${headers}`);
  await curl([
    '-X',
    'PATCH',
    '-H',
    'Tus-Resumable: 1.0.0',
    '-H',
    'Upload-Offset: 0',
    '-H',
    'Expect:',
    '-H',
    'Content-Type: application/offset+octet-stream',
    '-T',
    file,
    '-o',
    '/dev/null',
    location,
    '--next',
    ...COMMON,
    '-X',
    'POST',
    '-H',
    'Upload-Finish: true',
    '-H',
    'Content-Type: application/json',
    '--data',
    '{"image_quality":70}',
    '-o',
    '/dev/null',
    endpoint,
  ]);
  return nowMs() - start;
}

/**
 * CVAT's bulk protocol by curl, with the same groups and concurrency as cvat-rx: Upload-Start,
 * the multipart groups (`--parallel --parallel-max <concurrency>`), then Upload-Finish.
 */
export async function curlBulkUpload(
  base: string,
  taskId: number,
  groups: readonly (readonly string[])[],
  concurrency: number,
  configPath: string,
): Promise<number> {
  const endpoint = `${base}/api/tasks/${taskId}/data/`;
  const lines = [`parallel`, `parallel-max = ${concurrency}`];
  groups.forEach((group, g) => {
    if (g > 0) lines.push('next', ...COMMON_CONFIG);
    else lines.push(...COMMON_CONFIG);
    lines.push(
      `url = "${endpoint}"`,
      'request = "POST"',
      'header = "Upload-Multiple: true"',
      'header = "Expect:"',
    );
    group.forEach((path, i) => lines.push(`form = "client_files[${i}]=@${path}"`));
    lines.push('output = "/dev/null"');
  });
  writeFileSync(configPath, lines.join('\n') + '\n');
  const start = nowMs();
  await curl([
    '-X',
    'POST',
    '-H',
    'Upload-Start: true',
    '-H',
    'Content-Type: application/json',
    '--data',
    '{}',
    '-o',
    '/dev/null',
    endpoint,
  ]);
  await runCurlConfig(configPath);
  await curl([
    '-X',
    'POST',
    '-H',
    'Upload-Finish: true',
    '-H',
    'Content-Type: application/json',
    '--data',
    '{"image_quality":70}',
    '-o',
    '/dev/null',
    endpoint,
  ]);
  return nowMs() - start;
}

const COMMON_CONFIG = ['silent', 'show-error', 'fail', `user = "${USER}:${PASSWORD}"`];

async function runCurlConfig(configPath: string): Promise<void> {
  const r = await runProcess('curl', ['-K', configPath]);
  if (r.code !== 0)
    throw new Error(`curl -K ${configPath} failed (${String(r.code)}): ${r.stderr.slice(0, 500)}`);
}

/** `count` frames with `curl --parallel --parallel-max <concurrency>`, bodies to /dev/null. */
export async function curlFrames(
  base: string,
  taskId: number,
  count: number,
  concurrency: number,
  configPath: string,
): Promise<number> {
  const lines = ['parallel', 'parallel-immediate', `parallel-max = ${concurrency}`, ...COMMON_CONFIG];
  for (let i = 0; i < count; i++) {
    lines.push(
      `url = "${base}/api/tasks/${taskId}/data?type=frame&quality=original&number=${i}"`,
      'output = "/dev/null"',
    );
  }
  writeFileSync(configPath, lines.join('\n') + '\n');
  const start = nowMs();
  await runCurlConfig(configPath);
  return nowMs() - start;
}

/** One file to disk. */
export async function curlDownload(base: string, path: string, target: string): Promise<number> {
  const start = nowMs();
  await curl(['-o', target, `${base}${path}`]);
  return nowMs() - start;
}
