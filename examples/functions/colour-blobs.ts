/**
 * A detection function with no model to download: it finds solid blobs of the demo labels'
 * colours (car #fa3253, person #34d1b7, tree #83e070) and returns one rectangle per blob. The
 * demo (`npm start`) paints such blobs into its generated frames, so this finds them again.
 *
 *   cvat-rx task auto-annotate 12 --function-file examples/functions/colour-blobs.ts
 *   cvat-rx task auto-annotate 12 --function-file examples/functions/colour-blobs.ts -p min_area=int:50 -p size_attribute=bool:true
 *
 * A function module exports `spec` and `detect`, or `create(params)` returning them (`-p` values).
 */
import {
  attributeValue,
  labelSpec,
  rectangle,
  selectAttributeSpec,
  type DetectionFunction,
  type DetectionFunctionSpec,
  type DetectedShape,
  type RgbaImage,
} from '../../src/auto-annotation';

export interface ColourBlobOptions {
  /** Blobs smaller than this many pixels are ignored (default 16). */
  readonly minArea?: number;
  /** Largest difference per channel from the label colour (default 12). */
  readonly tolerance?: number;
  /** Also declare a `size` attribute (small | large) and set it on every box. */
  readonly sizeAttribute?: boolean;
}

export const COLOURS = [
  { name: 'car', rgb: [0xfa, 0x32, 0x53] },
  { name: 'person', rgb: [0x34, 0xd1, 0xb7] },
  { name: 'tree', rgb: [0x83, 0xe0, 0x70] },
] as const;

const SIZE_ATTRIBUTE_ID = 100;
/** Boxes of at least this many pixels are `large`. */
const LARGE_AREA = 1000;

/** Bounding boxes `[left, top, right, bottom, pixels]` of 4-connected regions where `inside` holds. */
export function blobs(image: RgbaImage, inside: (offset: number) => boolean): number[][] {
  const { width, height } = image;
  const seen = new Uint8Array(width * height);
  const found: number[][] = [];
  const stack: number[] = [];
  for (let start = 0; start < width * height; start += 1) {
    if (seen[start] || !inside(start * 4)) continue;
    let [left, top, right, bottom, pixels] = [width, height, -1, -1, 0];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const at = stack.pop() ?? 0;
      const x = at % width;
      const y = (at - x) / width;
      pixels += 1;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      const next = [
        x > 0 ? at - 1 : -1,
        x < width - 1 ? at + 1 : -1,
        y > 0 ? at - width : -1,
        y < height - 1 ? at + width : -1,
      ];
      for (const n of next) {
        if (n >= 0 && !seen[n] && inside(n * 4)) {
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    found.push([left, top, right + 1, bottom + 1, pixels]);
  }
  return found;
}

/** The colour-blob detector with its options. */
export function createColourBlobDetector(options: ColourBlobOptions = {}): DetectionFunction {
  const minArea = options.minArea ?? 16;
  const tolerance = options.tolerance ?? 12;
  const spec: DetectionFunctionSpec = {
    labels: COLOURS.map((colour, id) =>
      labelSpec(colour.name, id, {
        type: 'rectangle',
        ...(options.sizeAttribute
          ? { attributes: [selectAttributeSpec('size', SIZE_ATTRIBUTE_ID, ['small', 'large'], 'small')] }
          : {}),
      }),
    ),
  };
  return {
    spec,
    async detect(context, frame) {
      const image = await frame.decode();
      const shapes: DetectedShape[] = [];
      COLOURS.forEach((colour, labelId) => {
        const [r, g, b] = colour.rgb;
        const near = (offset: number): boolean =>
          Math.abs((image.data[offset] ?? 0) - r) <= tolerance &&
          Math.abs((image.data[offset + 1] ?? 0) - g) <= tolerance &&
          Math.abs((image.data[offset + 2] ?? 0) - b) <= tolerance;
        for (const [left, top, right, bottom, pixels] of blobs(image, near)) {
          if ((pixels ?? 0) < minArea) continue;
          // Solid blobs: the share of the box they fill stands in for a confidence.
          const score = (pixels ?? 0) / (((right ?? 0) - (left ?? 0)) * ((bottom ?? 0) - (top ?? 0)));
          if (context.confThreshold !== undefined && score < context.confThreshold) continue;
          shapes.push(
            rectangle(labelId, [left ?? 0, top ?? 0, right ?? 0, bottom ?? 0], {
              score,
              ...(options.sizeAttribute
                ? {
                    attributes: [
                      attributeValue(SIZE_ATTRIBUTE_ID, (pixels ?? 0) >= LARGE_AREA ? 'large' : 'small'),
                    ],
                  }
                : {}),
            }),
          );
        }
      });
      return shapes;
    },
  };
}

const defaults = createColourBlobDetector();

/** The module's function with default options. */
export const spec = defaults.spec;
export const detect = defaults.detect;

/** The module's function made from `-p` parameters: `min_area` (int), `tolerance` (int), `size_attribute` (bool). */
export function create(params: Readonly<Record<string, unknown>>): DetectionFunction {
  const number = (key: string): number | undefined =>
    typeof params[key] === 'number' ? params[key] : undefined;
  const minArea = number('min_area');
  const tolerance = number('tolerance');
  return createColourBlobDetector({
    ...(minArea === undefined ? {} : { minArea }),
    ...(tolerance === undefined ? {} : { tolerance }),
    sizeAttribute: params['size_attribute'] === true,
  });
}
