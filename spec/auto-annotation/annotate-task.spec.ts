import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { Task } from '../../src';
import {
  BadFunctionError,
  annotateTask,
  labelSpec,
  rectangle,
  type DetectionFunction,
  type FrameImage,
} from '../../src/auto-annotation';
import { createColourBlobDetector } from '../../examples/functions/colour-blobs';
import { boxesOf, makeTask, startFixture, type Fixture } from './support';

/** Wraps a function so that each detect waits for the next macrotask and in-flight frames are counted. */
function instrumented(fn: DetectionFunction) {
  const stats = { inFlight: 0, maxInFlight: 0, frames: [] as number[], aborted: 0 };
  const wrapped: DetectionFunction = {
    spec: fn.spec,
    detect: async (context, image: FrameImage) => {
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      stats.frames.push(image.frame);
      try {
        // Let the other frames in flight start before this one ends.
        await new Promise((resolve) => setImmediate(resolve));
        const result = await fn.detect(context, image);
        if (context.signal.aborted) stats.aborted += 1;
        return result as never;
      } finally {
        stats.inFlight -= 1;
      }
    },
  };
  return { wrapped, stats };
}

describe('annotateTask', () => {
  let fx: Fixture;
  let task: Task;

  beforeAll(async () => {
    fx = await startFixture();
    task = await makeTask(fx.client, 100, 10);
  });
  afterAll(async () => {
    await fx.emulator.close();
  });
  beforeEach(async () => {
    await lastValueFrom(task.removeAnnotations());
  });

  it('uploads the shapes of 100 frames with the task label and attribute ids, `concurrency` frames in flight', async () => {
    const { wrapped, stats } = instrumented(createColourBlobDetector({ sizeAttribute: true }));
    const events = await lastValueFrom(
      annotateTask(fx.client, task.id, wrapped, { concurrency: 3, prefetchChunks: 1 }).pipe(toArray()),
    );
    expect(stats.maxInFlight).toBe(3);
    expect(new Set(stats.frames).size).toBe(100);

    const progress = events.filter((e) => e.type === 'progress');
    expect(progress[0]).toMatchObject({ loaded: 0, total: 100 });
    expect(progress.at(-1)).toMatchObject({ loaded: 100, total: 100 });
    const loaded = progress.map((e) => (e.type === 'progress' ? e.loaded : -1));
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));

    const expected = Array.from({ length: 100 }, (_, n) => boxesOf(n)).flat();
    const result = events.at(-1);
    expect(result).toEqual({
      type: 'result',
      value: { taskId: task.id, frames: 100, shapes: expected.length, tags: 0 },
    });

    const labels = await lastValueFrom(task.labels().pipe(toArray()));
    const byName = new Map(labels.map((l) => [l.name, l]));
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toHaveLength(expected.length);
    for (let n = 0; n < 100; n += 1) {
      const onFrame = (saved.shapes ?? []).filter((s) => s.frame === n);
      const want = boxesOf(n);
      expect(onFrame).toHaveLength(want.length);
      for (const { label, box } of want) {
        const target = byName.get(label);
        const size = target?.attributes?.find((a) => a.name === 'size');
        const shape = onFrame.find((s) => s.label_id === target?.id);
        expect(shape).toMatchObject({ type: 'rectangle', points: [...box], source: 'auto' });
        const area = (box[2] - box[0]) * (box[3] - box[1]);
        expect(shape?.attributes).toEqual([{ spec_id: size?.id, value: area >= 1000 ? 'large' : 'small' }]);
      }
    }
  });

  it('skips deleted frames', async () => {
    const small = await makeTask(fx.client, 12, 5, 'deleted');
    await lastValueFrom(
      fx.client.api.tasksApi.partialUpdateDataMeta({ id: small.id, body: { deleted_frames: [1, 7] } }),
    );
    const { wrapped, stats } = instrumented(createColourBlobDetector());
    const events = await lastValueFrom(annotateTask(fx.client, small.id, wrapped).pipe(toArray()));
    expect(stats.frames.sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 5, 6, 8, 9, 10, 11]);
    expect(events.at(-1)).toMatchObject({ type: 'result', value: { frames: 10 } });
    const saved = await firstValueFrom(small.getAnnotations());
    expect(new Set((saved.shapes ?? []).map((s) => s.frame))).toEqual(
      new Set([0, 2, 3, 4, 5, 6, 8, 9, 10, 11]),
    );
  });

  it('cancels cleanly: no more frames, the signal aborted, nothing uploaded', async () => {
    const { wrapped, stats } = instrumented(createColourBlobDetector());
    const seen = await lastValueFrom(
      annotateTask(fx.client, task.id, wrapped, { concurrency: 2 }).pipe(take(6), toArray()),
    );
    expect(seen).toHaveLength(6);
    const startedAtCancel = stats.frames.length;
    expect(startedAtCancel).toBeLessThan(100);
    // A round trip to the server lets anything still scheduled run.
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toEqual([]);
    expect(stats.frames.length).toBe(startedAtCancel);
    expect(stats.inFlight).toBe(0);
  });

  it('starts no frame once cancelled, not even on a slot its own teardown frees', async () => {
    const small = await makeTask(fx.client, 10, 5, 'cancel-order');
    let cancelled = false;
    const late: number[] = [];
    let firstStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (firstStarted = resolve));
    const holding: DetectionFunction = {
      spec: createColourBlobDetector().spec,
      detect: (_context, image) => {
        if (cancelled) late.push(image.frame);
        firstStarted();
        return new Promise<never>(() => undefined); // never ends: the frame keeps its slot
      },
    };
    const subscription = annotateTask(fx.client, small.id, holding, { concurrency: 1 }).subscribe();
    await started;
    // The second chunk was read ahead; two round trips let its frames queue for the slot.
    await firstValueFrom(small.getAnnotations());
    await firstValueFrom(small.getAnnotations());
    cancelled = true;
    subscription.unsubscribe();
    expect(late).toEqual([]);
  });

  it('replaces existing annotations with clearExisting', async () => {
    const fn = createColourBlobDetector();
    const events = await lastValueFrom(task.autoAnnotate(fn).pipe(toArray()));
    expect(events.at(-1)).toMatchObject({ type: 'result', value: { taskId: task.id, frames: 100 } });
    await lastValueFrom(annotateTask(fx.client, task.id, fn, { clearExisting: true, concurrency: 4 }));
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toHaveLength(Array.from({ length: 100 }, (_, n) => boxesOf(n)).flat().length);
  });

  it('rejects a bad shape before uploading, naming the frame and the shape', async () => {
    const bad: DetectionFunction = {
      spec: { labels: [labelSpec('car', 1)] },
      detect: (_context, image) =>
        image.frame === 13
          ? [rectangle(1, [0, 0, 5, 5]), rectangle(1, [1, 2, 3])]
          : [rectangle(1, [0, 0, 5, 5])],
    };
    const error = await lastValueFrom(annotateTask(fx.client, task.id, bad, { concurrency: 4 })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BadFunctionError);
    expect((error as BadFunctionError).frame).toBe(13);
    expect((error as Error).message).toMatch(
      /frame 13 \("frame_013.png"\), annotation #1 \(rectangle, label id 1\): 3 coordinates/,
    );
    const saved = await firstValueFrom(task.getAnnotations());
    expect(saved.shapes).toEqual([]);
  });

  it('fails on a function label the task lacks, unless allowUnmatchedLabels', async () => {
    const fn: DetectionFunction = {
      spec: { labels: [labelSpec('car', 1), labelSpec('boat', 2)] },
      detect: () => [rectangle(1, [0, 0, 5, 5]), rectangle(2, [0, 0, 5, 5])],
    };
    await expect(lastValueFrom(annotateTask(fx.client, task.id, fn))).rejects.toThrow(
      /label "boat" is not in the task/,
    );
    const events = await lastValueFrom(
      annotateTask(fx.client, task.id, fn, { allowUnmatchedLabels: true }).pipe(toArray()),
    );
    expect(events.at(-1)).toMatchObject({ type: 'result', value: { shapes: 100 } });
  });

  it('checks label kinds, elements and masks', async () => {
    const tagOnRectangleLabel: DetectionFunction = {
      spec: { labels: [labelSpec('car', 1, { type: 'rectangle' })] },
      detect: () => [{ label_id: 1, frame: 0 }],
    };
    await expect(lastValueFrom(annotateTask(fx.client, task.id, tagOnRectangleLabel))).rejects.toThrow(
      /annotation #0 \(tag, label id 1\): a tag, but the label takes rectangle shapes/,
    );
    const elements: DetectionFunction = {
      spec: { labels: [labelSpec('car', 1)] },
      detect: () => [
        {
          ...rectangle(1, [0, 0, 1, 1]),
          elements: [{ type: 'points', label_id: 1, frame: 0, points: [1, 1] }],
        },
      ],
    };
    await expect(lastValueFrom(annotateTask(fx.client, task.id, elements))).rejects.toThrow(
      /elements on a shape that is not a skeleton/,
    );
    const maskFn: DetectionFunction = {
      spec: { labels: [labelSpec('car', 1)] },
      detect: () => [{ type: 'mask', label_id: 1, frame: 0, points: [0, 4, 0, 0, 1, 1] }],
    };
    await expect(
      lastValueFrom(annotateTask(fx.client, task.id, maskFn, { convMaskToPoly: true })),
    ).rejects.toThrow(/a mask despite convMaskToPoly/);
  });
});
