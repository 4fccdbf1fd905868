import { lastValueFrom } from 'rxjs';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { isResultEvent } from '../../src/transfer/progress';
import { TUS_CHUNK_SIZE, tusUpload } from '../../src/transfer/tus';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import { startCuttingProxy } from '../support/tcp-proxy';
import type { CuttingProxy } from '../support/tcp-proxy';
import { mulberry32, sha256File } from '../support/generated-files';
import { generatedSource, sha256Of } from './generated-source';

/**
 * A large TUS upload through a proxy that resets the connection 20 times at random offsets of the
 * request stream. Size: CVAT_RX_CUT_MIB (default 256 MiB; measured at about 10–20 s on 2 cores).
 */
const SIZE = Number(process.env['CVAT_RX_CUT_MIB'] ?? 256) * 2 ** 20;
const CUTS = 20;
const SEED = 0x5eed;

describe('TUS upload through a connection that is cut 20 times', () => {
  let emu: RunningEmulator;
  let proxy: CuttingProxy;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, onError: () => undefined });
    proxy = await startCuttingProxy({ targetPort: Number(new URL(emu.url).port) });
  });
  afterAll(async () => {
    await proxy.close();
    await emu.close();
  });

  it('completes, stores the exact bytes and re-sends at most one chunk per cut', async () => {
    const started = Date.now();
    const transport = new Transport(
      new Configuration({
        host: proxy.url,
        username: 'admin',
        password: 'admin',
        retry: { baseDelayMs: 5, maxDelayMs: 50 },
      }),
    );
    const task = await lastValueFrom(
      transport.request({
        method: 'POST',
        url: '/api/tasks',
        body: { name: 'cuts', labels: [{ name: 'a' }] },
      }),
    );
    const taskId = (task.body as { id: number }).id;

    // Cuts land in the chunk bodies: after the first 2 MiB, at random points of the byte stream.
    const random = mulberry32(SEED);
    const base = proxy.forwardedUp;
    const offsets = Array.from(
      { length: CUTS },
      () => base + 2 ** 21 + Math.floor(random() * (SIZE - 2 ** 22)),
    );
    proxy.schedule(offsets);

    const source = generatedSource('big.bin', SIZE, SEED);
    const expected = sha256Of(SEED, SIZE);
    const events = await lastValueFrom(
      tusUpload(transport, {
        url: `/api/tasks/${taskId}/data/`,
        source,
        maxRetries: CUTS * 2,
        retryDelayMs: 50,
      }),
      { defaultValue: undefined },
    );
    expect(events && isResultEvent(events)).toBe(true);
    const filename = events && isResultEvent(events) ? events.value.filename : '';

    const stored = emu.emulator.uploads.session(`task-data:${taskId}`).files.get(filename);
    expect(stored).toBeDefined();
    expect(await sha256File(stored!.path)).toBe(expected);

    const sent = proxy.forwardedUp - base;
    const resent = sent - SIZE;
    expect(proxy.cuts).toBe(CUTS);
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(resent).toBeLessThanOrEqual(CUTS * TUS_CHUNK_SIZE);
    console.log(
      `tus-cuts: ${SIZE / 2 ** 20} MiB, ${proxy.cuts} cuts survived, ${sent} bytes forwarded, ` +
        `${resent} re-sent (headers included; budget ${CUTS * TUS_CHUNK_SIZE}), ` +
        `source bytes read ${source.opened}, ${proxy.connections} connections, ${Date.now() - started} ms`,
    );
  }, 240_000);
});
