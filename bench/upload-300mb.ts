/**
 * Measures a 300 MB upload through `createFromData` against the emulator running in another
 * process: peak RSS of the uploading process, and throughput against curl sending the same bytes
 * to the same emulator (one TUS PATCH, and one plain multipart POST).
 *
 *   npx tsx bench/upload-300mb.ts [--mib 300]
 */
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, lastValueFrom, tap } from 'rxjs';

const run = promisify(execFile);
// tsx itself (not npx), so that killing the child really stops the emulator.
const TSX = join('node_modules', '.bin', 'tsx');
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

interface ClientFigures {
  readonly label: string;
  readonly uploadSeconds: number;
  readonly totalSeconds: number;
  readonly peakRssMiB: number;
  readonly baselineRssMiB: number;
}

/** The measured child: uploads one file with createFromData and reports its own figures. */
async function clientMain(url: string, file: string, chunkMiB: number): Promise<void> {
  const { makeNodeClient } = await import('../src/node/client');
  const client = await firstValueFrom(
    makeNodeClient({ host: url }).login({ username: 'admin', password: 'admin' }),
  );
  const baseline = process.memoryUsage().rss;
  let first = 0;
  let lastUpload = 0;
  const start = performance.now();
  await lastValueFrom(
    client.tasks
      .createFromData(
        { spec: { name: 'bench', labels: [{ name: 'x' }] }, resources: [file] },
        { observe: 'events', upload: { chunkSize: chunkMiB * 2 ** 20 } },
      )
      .pipe(
        tap((event) => {
          if (event.type === 'progress' && event.phase === 'upload') {
            if (first === 0) first = performance.now();
            lastUpload = performance.now();
          }
        }),
      ),
  );
  const end = performance.now();
  const figures: Omit<ClientFigures, 'label'> = {
    uploadSeconds: (lastUpload - first) / 1000,
    totalSeconds: (end - start) / 1000,
    // maxRSS is the process's true peak (KiB), not a sample.
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    baselineRssMiB: baseline / 2 ** 20,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

async function writeFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(640, 18);
  header.writeInt32LE(480, 22);
  out.write(header);
  for (let left = size - 54; left > 0;) {
    const chunk = randomBytes(Math.min(left, 2 ** 20));
    left -= chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function startEmulatorProcess(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(TSX, ['src/emulator/main.ts', '--port', '0', '--delay', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (data: Buffer) => {
      text += data.toString();
      const match = /listening on (\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error('the emulator exited')));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function curl(args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '-u', 'admin:admin', ...args], { maxBuffer: 2 ** 20 });
  return stdout;
}

async function newTask(url: string): Promise<number> {
  const body = await curl([
    '-H',
    'Content-Type: application/json',
    '-d',
    JSON.stringify({ name: 'curl', labels: [{ name: 'x' }] }),
    `${url}/api/tasks`,
  ]);
  return (JSON.parse(body) as { id: number }).id;
}

/** curl, TUS: Upload-Start, create, the whole file in one PATCH (timed), Upload-Finish. */
async function curlTus(url: string, file: string, size: number): Promise<number> {
  const id = await newTask(url);
  const data = `${url}/api/tasks/${id}/data/`;
  await curl(['-X', 'POST', '-H', 'Upload-Start: true', data]);
  const headers = await curl([
    '-D',
    '-',
    '-o',
    '/dev/null',
    '-X',
    'POST',
    '-H',
    'Tus-Resumable: 1.0.0',
    '-H',
    `Upload-Length: ${size}`,
    '-H',
    `Upload-Metadata: filename ${Buffer.from('large.bmp').toString('base64')}`,
    '-H',
    `Origin: ${url}`,
    data,
  ]);
  const location = /^location:\s*(\S+)/im.exec(headers)?.[1];
  if (!location) throw new Error(`no Location in ${headers}`);
  const seconds = await curl([
    '-o',
    '/dev/null',
    '-w',
    '%{time_total}',
    '-X',
    'PATCH',
    '-H',
    'Tus-Resumable: 1.0.0',
    '-H',
    'Upload-Offset: 0',
    '-H',
    'Content-Type: application/offset+octet-stream',
    '--data-binary',
    `@${file}`,
    location,
  ]);
  await curl([
    '-X',
    'POST',
    '-H',
    'Upload-Finish: true',
    '-H',
    'Content-Type: application/json',
    '-d',
    '{}',
    data,
  ]);
  return Number(seconds);
}

/** curl, one plain multipart POST with the file and the data parameters (CVAT's single-request path). */
async function curlMultipart(url: string, file: string): Promise<number> {
  const id = await newTask(url);
  const seconds = await curl([
    '-o',
    '/dev/null',
    '-w',
    '%{time_total}',
    '-F',
    'image_quality=70',
    '-F',
    `client_files[0]=@${file}`,
    `${url}/api/tasks/${id}/data/`,
  ]);
  return Number(seconds);
}

function measureClient(url: string, file: string, chunkMiB: number): Promise<Omit<ClientFigures, 'label'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['bench/upload-300mb.ts', '--client', url, file, String(chunkMiB)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (data: Buffer) => (text += data.toString()));
    child.once('exit', (code) => {
      const line = text.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`client exited with ${code}: ${text}`));
      resolve(JSON.parse(line) as Omit<ClientFigures, 'label'>);
    });
  });
}

async function main(): Promise<void> {
  const client = process.argv.indexOf('--client');
  if (client >= 0) {
    const [url, file, chunk] = process.argv.slice(client + 1);
    return clientMain(url, file, Number(chunk));
  }
  const mib = Number(arg('mib') ?? 300);
  const dir = mkdtempSync(join(tmpdir(), 'cvat-rx-bench-'));
  const file = join(dir, 'large.bmp');
  await writeFile(file, mib * 2 ** 20);
  const size = statSync(file).size;
  const emulator = await startEmulatorProcess();
  try {
    const rows: string[] = [];
    const mbps = (seconds: number) => (size / 2 ** 20 / seconds).toFixed(0);
    for (const chunkMiB of [10, 100]) {
      const figures = await measureClient(emulator.url, file, chunkMiB);
      rows.push(
        `cvat-rx createFromData, TUS ${chunkMiB} MiB chunks: upload ${figures.uploadSeconds.toFixed(2)} s ` +
          `(${mbps(figures.uploadSeconds)} MiB/s), whole call ${figures.totalSeconds.toFixed(2)} s, ` +
          `peak RSS ${figures.peakRssMiB.toFixed(0)} MiB (after login ${figures.baselineRssMiB.toFixed(0)} MiB)`,
      );
    }
    const tus = await curlTus(emulator.url, file, size);
    rows.push(`curl, TUS in one PATCH: ${tus.toFixed(2)} s (${mbps(tus)} MiB/s)`);
    const multipart = await curlMultipart(emulator.url, file);
    rows.push(`curl, one multipart POST: ${multipart.toFixed(2)} s (${mbps(multipart)} MiB/s)`);
    console.log(`${mib} MiB file, emulator in its own process on ${emulator.url}`);
    for (const row of rows) console.log(`  ${row}`);
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
