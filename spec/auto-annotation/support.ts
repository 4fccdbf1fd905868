import { lastValueFrom } from 'rxjs';
import type { CvatClient, Task } from '../../src';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { makeNodeClient } from '../../src/node';
import { encodePng, gradient, type Painter, type Rgb } from '../../examples/demo/images';
import { COLOURS } from '../../examples/functions/colour-blobs';

/** A box painted on a frame, in the colour of a label of the colour-blob example. */
export interface PaintedBox {
  readonly label: 'car' | 'person' | 'tree';
  readonly box: readonly [number, number, number, number];
}

export const WIDTH = 64;
export const HEIGHT = 48;

/** Frame n: a car box moving right; a person box on even frames; a large tree on every 10th. */
export function boxesOf(n: number): PaintedBox[] {
  const boxes: PaintedBox[] = [{ label: 'car', box: [2 + (n % 20), 4, 12 + (n % 20), 12] }];
  if (n % 2 === 0) boxes.push({ label: 'person', box: [40, 20, 50, 40] });
  if (n % 10 === 0) boxes.push({ label: 'tree', box: [0, 14, 38, 46] });
  return boxes;
}

export function paintFrame(boxes: readonly PaintedBox[]): Buffer {
  const background: Painter = gradient(WIDTH, HEIGHT, [20, 20, 40], [60, 60, 90]);
  const colour = (label: string): Rgb => {
    const found = COLOURS.find((c) => c.name === label);
    return found ? [found.rgb[0], found.rgb[1], found.rgb[2]] : [0, 0, 0];
  };
  return encodePng(WIDTH, HEIGHT, (x, y) => {
    for (const { label, box } of boxes) {
      if (x >= box[0] && x < box[2] && y >= box[1] && y < box[3]) return colour(label);
    }
    return background(x, y);
  });
}

/** A `size` select attribute (values in the given order: the driver compares them as sets). */
const sizeAttribute = (values: string[]) => ({
  name: 'size',
  mutable: false,
  input_type: 'select' as const,
  values,
  default_value: 'small',
});

export const TASK_LABELS = [
  { name: 'car', type: 'any' as const, attributes: [sizeAttribute(['small', 'large'])] },
  { name: 'person', attributes: [sizeAttribute(['large', 'small'])] },
  { name: 'tree', attributes: [sizeAttribute(['small', 'large'])] },
];

/**
 * A function module in plain CommonJS: a box on every frame, but frames named block_* never finish
 * until the run is cancelled.
 */
export const BLOCKING_MODULE = `
exports.spec = { labels: [{ id: 0, name: 'car' }] };
exports.detect = function (context, image) {
  if (image.name.startsWith('block')) {
    return new Promise(function (resolve) {
      context.signal.addEventListener('abort', function () { resolve([]); });
    });
  }
  return [{ type: 'rectangle', label_id: 0, frame: 0, points: [0, 0, 4, 4] }];
};
`;

export interface Fixture {
  readonly emulator: RunningEmulator;
  readonly client: CvatClient;
}

export async function startFixture(): Promise<Fixture> {
  const emulator = await startEmulator({ port: 0 });
  const client = await lastValueFrom(
    makeNodeClient({ host: emulator.url }).login({ username: 'admin', password: 'admin' }),
  );
  return { emulator, client };
}

/** A task with `count` painted frames (chunks of `chunkSize`). */
export function makeTask(
  client: CvatClient,
  count: number,
  chunkSize = 10,
  name = 'aa',
  prefix = 'frame',
): Promise<Task> {
  return lastValueFrom(
    client.tasks.createFromData({
      spec: { name, labels: TASK_LABELS },
      resources: Array.from({ length: count }, (_, n) => ({
        name: `${prefix}_${String(n).padStart(3, '0')}.png`,
        data: paintFrame(boxesOf(n)),
      })),
      dataParams: { image_quality: 90, chunk_size: chunkSize },
    }),
  );
}

/** Resolves when `predicate` holds for the value of `probe`, asking again after each answer. */
export async function eventually<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
  tries = 500,
): Promise<T> {
  let value = await probe();
  for (let i = 0; i < tries && !predicate(value); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = await probe();
  }
  return value;
}
