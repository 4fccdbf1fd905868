import { UsageError } from '../errors';
import type { ImageDecoder, RgbaImage } from './function';

interface BitmapLike {
  readonly width: number;
  readonly height: number;
  close(): void;
}

interface CanvasContextLike {
  drawImage(image: BitmapLike, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { readonly data: Uint8ClampedArray };
}

interface BrowserGlobals {
  readonly createImageBitmap?: (blob: Blob) => Promise<BitmapLike>;
  readonly OffscreenCanvas?: new (
    width: number,
    height: number,
  ) => { getContext(kind: '2d'): CanvasContextLike | null };
}

/**
 * The browser's decoder: `createImageBitmap` then an `OffscreenCanvas` to read the pixels. Every
 * format the browser knows (PNG, JPEG, WebP, GIF, BMP) works. In Node, the client's platform
 * brings its own (`makeNodeClient` from `cvat-rx/node`).
 */
export const browserImageDecoder: ImageDecoder = async (data, mediaType): Promise<RgbaImage> => {
  const globals = globalThis as BrowserGlobals;
  if (!globals.createImageBitmap || !globals.OffscreenCanvas) {
    throw new UsageError(
      "No image decoder here: in Node make the client with makeNodeClient from 'cvat-rx/node', or pass options.decoder",
    );
  }
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  const bitmap = await globals.createImageBitmap(new Blob([copy.buffer], { type: mediaType }));
  try {
    const canvas = new globals.OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new UsageError('OffscreenCanvas gave no 2d context');
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: bitmap.width, height: bitmap.height, data: pixels.data };
  } finally {
    bitmap.close();
  }
};
