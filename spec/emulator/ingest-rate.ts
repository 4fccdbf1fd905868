/**
 * Measures the emulator's loopback ingest rate for one TUS upload (not a test: run it by hand).
 *   npx tsx spec/emulator/ingest-rate.ts [MiB=1024] [chunkMiB=100]
 */
import { request } from 'node:http';
import { startEmulator } from '../../src/emulator';

const total = Number(process.argv[2] ?? 1024) * 1024 * 1024;
const chunkSize = Number(process.argv[3] ?? 100) * 1024 * 1024;
const auth = `Basic ${Buffer.from('admin:admin').toString('base64')}`;

function send(
  method: string,
  url: string,
  headers: Record<string, string | number>,
  body?: Buffer,
  repeat = 1,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { Authorization: auth, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    // The same buffer is written `repeat` times, so the client side costs no copies either.
    const write = (i: number): void => {
      if (!body || i >= repeat) return void req.end();
      if (req.write(body)) write(i + 1);
      else req.once('drain', () => write(i + 1));
    };
    write(0);
  });
}

async function main(): Promise<void> {
  const emu = await startEmulator({ processingDelayMs: 0 });
  try {
    const task = await fetch(`${emu.url}/api/tasks`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'ingest', labels: [{ name: 'a' }] }),
    }).then((r) => r.json() as Promise<{ id: number }>);
    const created = await send('POST', `${emu.url}/api/tasks/${task.id}/data/`, {
      'Upload-Length': total,
      'Upload-Metadata': `filename ${Buffer.from('big.bin').toString('base64')}`,
      'Tus-Resumable': '1.0.0',
    });
    const location = String(created.headers.location);
    const block = Buffer.alloc(4 * 1024 * 1024, 1);
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < total; offset += chunkSize) {
      const size = Math.min(chunkSize, total - offset);
      const r = await send(
        'PATCH',
        location,
        {
          'Upload-Offset': offset,
          'Content-Type': 'application/offset+octet-stream',
          'Content-Length': size,
          'Tus-Resumable': '1.0.0',
        },
        block,
        size / block.length,
      );
      if (r.status !== 204) throw new Error(`PATCH answered ${r.status}`);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `TUS ingest: ${(total / 1048576).toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${(total / 1048576 / seconds).toFixed(0)} MiB/s (chunks of ${chunkSize / 1048576} MiB)`,
    );
  } finally {
    await emu.close();
  }
}

void main();
