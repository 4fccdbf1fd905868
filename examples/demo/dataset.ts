import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBmp, encodePng, gradient, type Rgb } from './images';

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

/**
 * Writes `smallCount` PNGs (320×240 gradients) and one large uncompressed BMP of about
 * `largeBytes`, then a COCO 1.0 file with one box per label on every frame.
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
    const data = encodePng(320, 240, gradient(320, 240, from, to));
    writeFileSync(join(dir, name), data);
    images.push({ path: join(dir, name), name, width: 320, height: 240, size: data.length });
  }
  // A 4:3 image whose 24-bit pixels take about largeBytes.
  const height = Math.max(3, Math.round(Math.sqrt(largeBytes / 4)));
  const width = Math.round((height * 4) / 3);
  const large = encodeBmp(width, height, gradient(width, height, [12, 20, 69], [0, 229, 255]));
  const largeName = 'panorama.bmp';
  writeFileSync(join(dir, largeName), large);
  images.push({ path: join(dir, largeName), name: largeName, width, height, size: large.length });

  const annotations = images.flatMap((image, index) =>
    LABELS.map((_, label) => {
      const w = Math.round(image.width / 5);
      const h = Math.round(image.height / 4);
      return {
        image_id: index + 1,
        category_id: label + 1,
        bbox: [Math.round(image.width / 10) + label * (w + 8), Math.round(image.height / 3), w, h],
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
