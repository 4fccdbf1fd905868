import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBmp, encodePng, gradient, type Painter, type Rgb } from './images';

/** The demo's generated input: small PNG frames, one large BMP, and COCO annotations for them. */

export const LABELS = [
  { name: 'car', color: '#fa3253' },
  { name: 'person', color: '#34d1b7' },
  { name: 'tree', color: '#83e070' },
] as const;

export interface GeneratedImage {
  readonly path: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly size: number;
}

export interface DemoInput {
  readonly images: readonly GeneratedImage[];
  readonly annotationsPath: string;
  readonly annotationCount: number;
  readonly totalBytes: number;
}

const PALETTE: readonly (readonly [Rgb, Rgb])[] = [
  [
    [255, 94, 58],
    [255, 205, 2],
  ],
  [
    [29, 233, 182],
    [0, 102, 255],
  ],
  [
    [170, 0, 255],
    [255, 64, 129],
  ],
  [
    [0, 200, 83],
    [0, 77, 64],
  ],
  [
    [255, 255, 255],
    [38, 50, 56],
  ],
  [
    [255, 171, 0],
    [213, 0, 0],
  ],
];

/** Where the box of label `label` lies on an image (as `[x, y, width, height]`, COCO's bbox). */
function boxOf(width: number, height: number, label: number): [number, number, number, number] {
  const w = Math.round(width / 5);
  const h = Math.round(height / 4);
  return [Math.round(width / 10) + label * (w + 8), Math.round(height / 3), w, h];
}

const rgbOf = (hex: string): Rgb => [
  parseInt(hex.slice(1, 3), 16),
  parseInt(hex.slice(3, 5), 16),
  parseInt(hex.slice(5, 7), 16),
];

/** A gradient with one solid box per label in the label's colour (what examples/functions/colour-blobs.ts finds). */
function withBoxes(width: number, height: number, background: Painter): Painter {
  const boxes = LABELS.map((label, i) => ({ box: boxOf(width, height, i), rgb: rgbOf(label.color) }));
  return (x, y) => {
    for (const { box, rgb } of boxes) {
      if (x >= box[0] && x < box[0] + box[2] && y >= box[1] && y < box[1] + box[3]) return rgb;
    }
    return background(x, y);
  };
}

/**
 * Writes `smallCount` PNGs (320×240 gradients) and one large uncompressed BMP of about
 * `largeBytes`, each with a solid box per label in the label's colour, then a COCO 1.0 file with
 * those boxes.
 */
export function generateInput(dir: string, smallCount: number, largeBytes: number): DemoInput {
  mkdirSync(dir, { recursive: true });
  const images: GeneratedImage[] = [];
  for (let i = 0; i < smallCount; i += 1) {
    const [from, to] = PALETTE[i % PALETTE.length] ?? [
      [0, 0, 0],
      [255, 255, 255],
    ];
    const name = `frame_${String(i).padStart(3, '0')}.png`;
    const data = encodePng(320, 240, withBoxes(320, 240, gradient(320, 240, from, to)));
    writeFileSync(join(dir, name), data);
    images.push({ path: join(dir, name), name, width: 320, height: 240, size: data.length });
  }
  // A 4:3 image whose 24-bit pixels take about largeBytes.
  const height = Math.max(3, Math.round(Math.sqrt(largeBytes / 4)));
  const width = Math.round((height * 4) / 3);
  const large = encodeBmp(
    width,
    height,
    withBoxes(width, height, gradient(width, height, [12, 20, 69], [0, 229, 255])),
  );
  const largeName = 'panorama.bmp';
  writeFileSync(join(dir, largeName), large);
  images.push({ path: join(dir, largeName), name: largeName, width, height, size: large.length });

  const annotations = images.flatMap((image, index) =>
    LABELS.map((_, label) => {
      const [x, y, w, h] = boxOf(image.width, image.height, label);
      return {
        image_id: index + 1,
        category_id: label + 1,
        bbox: [x, y, w, h],
        area: w * h,
        iscrowd: 0,
        segmentation: [],
      };
    }),
  );
  const coco = {
    info: { description: 'cvat-rx demo', version: '1.0' },
    licenses: [],
    categories: LABELS.map((label, i) => ({ id: i + 1, name: label.name, supercategory: '' })),
    images: images.map((image, i) => ({
      id: i + 1,
      file_name: image.name,
      width: image.width,
      height: image.height,
    })),
    annotations: annotations.map((a, i) => ({ id: i + 1, ...a })),
  };
  const annotationsPath = join(dir, 'annotations.json');
  writeFileSync(annotationsPath, JSON.stringify(coco));
  return {
    images,
    annotationsPath,
    annotationCount: annotations.length,
    totalBytes: images.reduce((sum, image) => sum + image.size, 0),
  };
}
