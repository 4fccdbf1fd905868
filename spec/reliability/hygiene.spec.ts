import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, take, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { makeClient } from '../../src/client';
import type { RunningEmulator } from '../../src/emulator';
import { downloadToFile } from '../../src/node/download-to-file';
import { fromBytes } from '../../src/transfer/source';
import { uploadSession } from '../../src/transfer/upload-session';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';
import type { Api } from '../emulator/helpers';
import { png, withEmulator } from '../emulator/helpers';
import { generatedSource } from './generated-source';
import { ResourceTracker, settle } from './resource-tracker';

/**
 * Cancelling (unsubscribing) in each phase of a long operation leaves nothing running: no
 * timers, no sockets, no file handles, no temporary files. The tracker follows the resources the
 * operation created (async_hooks), apart from the emulator's own.
 */
describe('nothing is left behind after cancelling', () => {
  let emu: RunningEmulator;
  let api: Api;
  let transport: Transport;
  let tracker: ResourceTracker;
  let dir: string;

  beforeEach(async () => {
    ({ emu, api } = await withEmulator({ processingDelayMs: 300, onError: () => undefined }));
    transport = new Transport(new Configuration({ host: emu.url, username: 'admin', password: 'admin' }));
    tracker = new ResourceTracker();
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-hygiene-'));
  });
  afterEach(async () => {
    tracker.stop();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Subscribes inside the tracker and unsubscribes once `until` sees an event it wants. */
  function cancelWhen<T>(source: Observable<T>, until: (event: T) => boolean): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const seen: T[] = [];
      tracker.run(() => {
        let done = false;
        const subscription = source.subscribe({
          next: (event) => {
            seen.push(event);
            if (!done && until(event)) {
              done = true;
              // An event emitted during subscribe() arrives before `subscription` exists.
              queueMicrotask(() => subscription.unsubscribe());
              resolve(seen);
            }
          },
          error: reject,
          complete: () => reject(new Error('completed before it could be cancelled')),
        });
      });
    });
  }

  const newTask = async (name: string): Promise<number> => {
    const task = await lastValueFrom(
      transport.request({ method: 'POST', url: '/api/tasks', body: { name, labels: [{ name: 'a' }] } }),
    );
    return (task.body as { id: number }).id;
  };

  it('the tracker sees a leaked timer and a leaked socket (control)', async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const port = Number(new URL(emu.url).port);
    const socket = tracker.run(() => {
      timer = setTimeout(() => undefined, 60_000);
      return connect(port, '127.0.0.1');
    });
    await settle();
    expect((await tracker.leftovers()).sort()).toEqual(['TCPWRAP', 'Timeout']);
    clearTimeout(timer);
    socket.destroy();
    await settle();
    expect(await tracker.leftovers()).toEqual([]);
  });

  it('in the upload phase (TUS, mid-chunk)', async () => {
    const id = await newTask('upload');
    const events = await cancelWhen(
      uploadSession(transport, {
        url: `/api/tasks/${id}/data/`,
        sources: [generatedSource('big.bin', 64 * 2 ** 20, 3)],
        mode: 'tus',
        finishBody: { image_quality: 70 },
      }),
      (event) => event.type === 'progress' && event.loaded > 0,
    );
    expect(events.length).toBeGreaterThan(0);
    await settle();
    expect(await tracker.leftovers()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('in the processing phase (polling the request)', async () => {
    const id = await newTask('processing');
    const uploaded = await lastValueFrom(
      uploadSession(transport, {
        url: `/api/tasks/${id}/data/`,
        sources: [fromBytes(png(32, 24), 'a.png')],
        finishBody: { image_quality: 70 },
      }).pipe(toArray()),
    );
    const result = uploaded[uploaded.length - 1];
    const rqId = result?.type === 'result' ? result.value.rqId : undefined;
    expect(rqId).toBeDefined();
    const client = makeClient({
      host: emu.url,
      credentials: { username: 'admin', password: 'admin' },
      config: { logger: { warn: () => undefined } },
    });
    let polls = 0;
    await cancelWhen(client.requests.watch(rqId!, { minDelayMs: 5, maxDelayMs: 10 }), () => ++polls >= 2);
    expect(polls).toBe(2);
    await settle();
    expect(await tracker.leftovers()).toEqual([]);
  });

  it('in the download phase (mid-body), with no partial file', async () => {
    const task = await api.taskWithImages({ name: 'download', labels: [{ name: 'a' }] }, [
      ['a.png', png(64, 48)],
    ]);
    const started = await api.post(
      `/api/tasks/${String(task.id)}/dataset/export?format=${encodeURIComponent('CVAT for images 1.1')}&save_images=true`,
    );
    const rqId = (started.body as { rq_id: string }).rq_id;
    expect((await api.wait(rqId)).status).toBe('finished');
    emu.setFaults([{ path: '/api/tasks/*/dataset/download', slowBodyChunkBytes: 64, slowBodyDelayMs: 20 }]);
    await cancelWhen(
      downloadToFile(
        transport,
        { method: 'GET', url: `/api/tasks/${String(task.id)}/dataset/download`, query: { rq_id: rqId } },
        { directory: dir },
      ),
      (event) => event.type === 'progress' && event.loaded > 0,
    );
    await settle();
    expect(await tracker.leftovers()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a plain request cancelled before its response', async () => {
    emu.setFaults([{ path: '/api/tasks', method: 'GET', latencyMs: 500 }]);
    await cancelWhen(
      transport.events({ method: 'GET', url: '/api/tasks' }),
      (event) => event.type === 'sent',
    );
    await settle();
    expect(await tracker.leftovers()).toEqual([]);
    // And the same transport still works afterwards.
    emu.setFaults([]);
    const ok = await lastValueFrom(transport.request({ method: 'GET', url: '/api/tasks' }).pipe(take(1)));
    expect(ok.status).toBe(200);
  });
});
