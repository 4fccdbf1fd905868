import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { CvatClient, Task } from '../../src';
import { RequestFailedError } from '../../src';
import { startEmulator } from '../../src/emulator';
import type { EmulatorLambdaFunction, RunningEmulator } from '../../src/emulator';
import { decodeImage } from '../../src/node/image-decoder';
import { makeNodeClient } from '../../src/node';
import { COLOURS, createColourBlobDetector } from '../../examples/functions/colour-blobs';
import { boxesOf, eventually, makeTask } from './support';

/** The colour-blob example as a serverless detector of the emulator. */
function blobLambda(id: string, fail = false): EmulatorLambdaFunction {
  const fn = createColourBlobDetector();
  return {
    id,
    name: 'Colour blobs',
    labels: COLOURS.map((c) => ({ name: c.name, type: 'rectangle' })),
    async detect(frame, threshold) {
      if (fail) throw new Error('model crashed');
      const decoded = await decodeImage(frame.data, frame.mime);
      const image = {
        frame: 0,
        name: frame.name,
        width: frame.width,
        height: frame.height,
        data: frame.data,
        mediaType: frame.mime,
        decode: () => Promise.resolve(decoded),
      };
      const signal = new AbortController().signal;
      const shapes = await fn.detect(
        { frameName: frame.name, confThreshold: threshold, convMaskToPoly: false, signal },
        image,
      );
      return (shapes as unknown as readonly { label_id: number; points: number[]; score?: number }[]).map(
        (s) => ({
          label: COLOURS[s.label_id]?.name ?? '?',
          type: 'rectangle',
          points: s.points,
          ...(s.score === undefined ? {} : { confidence: s.score }),
        }),
      );
    },
  };
}

describe('client.lambda', () => {
  let emulator: RunningEmulator;
  let client: CvatClient;
  let task: Task;

  beforeAll(async () => {
    emulator = await startEmulator({
      port: 0,
      processingDelayMs: 5,
      lambdaFunctions: [blobLambda('blobs'), blobLambda('broken', true)],
    });
    client = await lastValueFrom(
      makeNodeClient({ host: emulator.url }).login({ username: 'admin', password: 'admin' }),
    );
    task = await makeTask(client, 20, 5, 'lambda');
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('lists the functions', async () => {
    const functions = await lastValueFrom(client.lambda.functions().pipe(toArray()));
    expect(functions.map((f) => f.id)).toEqual(['blobs', 'broken']);
    expect(functions[0]).toMatchObject({ kind: 'detector', name: 'Colour blobs' });
  });

  it('runOnTask waits for the request, reports progress, and the shapes land in the task', async () => {
    const events = await lastValueFrom(
      client.lambda
        .runOnTask('blobs', task.id, { cleanup: true, threshold: 0.5, observe: 'events' })
        .pipe(toArray()),
    );
    const progress = events
      .filter((e) => e.type === 'progress')
      .map((e) => (e.type === 'progress' ? e.loaded : -1));
    expect(progress[0]).toBe(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ type: 'result', value: { status: 'finished', progress: 100 } });
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toHaveLength(Array.from({ length: 20 }, (_, n) => boxesOf(n)).flat().length);
  });

  it('runOnTask emits the finished request by default, and a failed one is a RequestFailedError', async () => {
    const call = await lastValueFrom(client.lambda.runOnTask('blobs', task.id, { cleanup: true }));
    expect(call.status).toBe('finished');
    const error = await lastValueFrom(client.lambda.runOnTask('broken', task.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestFailedError);
    expect((error as Error).message).toMatch(/model crashed/);
  });

  it('maps labels through `mapping`', async () => {
    await lastValueFrom(
      client.lambda.runOnTask('blobs', task.id, { cleanup: true, mapping: { car: { name: 'tree' } } }),
    );
    const labels = await lastValueFrom(task.labels().pipe(toArray()));
    const tree = labels.find((l) => l.name === 'tree');
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toHaveLength(20);
    expect(new Set((saved.shapes ?? []).map((s) => s.label_id))).toEqual(new Set([tree?.id]));
  });

  it('call() runs a function on one frame', async () => {
    const shapes = await firstValueFrom(client.lambda.call('blobs', { task: task.id, frame: 0 }));
    expect(shapes.map((s) => s['label']).sort()).toEqual(['car', 'person', 'tree']);
  });

  it('unsubscribing cancels the request; cancel() deletes it', async () => {
    await lastValueFrom(client.lambda.runOnTask('blobs', task.id, { observe: 'events' }).pipe(take(1)));
    const left = await eventually(
      () => lastValueFrom(client.lambda.requests().pipe(toArray())),
      (list) => list.every((r) => r.status === 'finished' || r.status === 'failed'),
    );
    expect(left.every((r) => r.status === 'finished' || r.status === 'failed')).toBe(true);
    const first = await firstValueFrom(
      client.lambda.runOnTask('blobs', task.id, { observe: 'events', cancelOnUnsubscribe: false }),
    );
    expect(first.type).toBe('progress');
    const pending = (await lastValueFrom(client.lambda.requests().pipe(toArray()))).filter(
      (r) => r.status !== 'finished' && r.status !== 'failed',
    );
    expect(pending).toHaveLength(1);
    await lastValueFrom(client.lambda.cancel(pending[0]?.id ?? ''));
    await expect(lastValueFrom(client.lambda.request(pending[0]?.id ?? ''))).rejects.toMatchObject({
      status: 404,
    });
  });
});
