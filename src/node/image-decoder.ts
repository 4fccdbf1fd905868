import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DecodeError } from '../errors';

/**
 * Node's image decoder for auto-annotation: PNG through `pngjs` and JPEG through `jpeg-js` (both
 * pure JavaScript: no native build, no install script, the same result on every platform), and
 * uncompressed 24/32-bit BMP read here. Pixels come back as RGBA.
 */

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Refuse images whose pixels would take more than this (a hostile header cannot exhaust memory). */
const MAX_MEGAPIXELS = 256;

const fail = (mediaType: string, issue: string): DecodeError =>
  new DecodeError({ codecName: mediaType, issues: [issue] });

function decodeBmp(data: Uint8Array): DecodedImage {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 54) throw fail('image/bmp', 'truncated header');
  const offset = view.getUint32(10, true);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bits = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if ((bits !== 24 && bits !== 32) || (compression !== 0 && compression !== 3))
    throw fail(
      'image/bmp',
      `only uncompressed 24/32-bit BMPs are read (got ${bits}-bit, compression ${compression})`,
    );
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0 || width * height > MAX_MEGAPIXELS * 1e6)
    throw fail('image/bmp', `unsupported size ${width}x${height}`);
  const bytesPerPixel = bits / 8;
  const stride = Math.ceil((width * bytesPerPixel) / 4) * 4;
  if (offset + stride * height > data.length) throw fail('image/bmp', 'truncated pixel data');
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    const row = offset + (rawHeight > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x += 1) {
      const from = row + x * bytesPerPixel;
      const to = (y * width + x) * 4;
      out[to] = data[from + 2] ?? 0;
      out[to + 1] = data[from + 1] ?? 0;
      out[to + 2] = data[from] ?? 0;
      out[to + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/** Decodes PNG, JPEG or BMP bytes to RGBA; anything else (or a broken file) is a DecodeError. */
export async function decodeImage(data: Uint8Array, mediaType: string): Promise<DecodedImage> {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  try {
    switch (mediaType) {
      case 'image/png': {
        const png = PNG.sync.read(buffer);
        return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
      }
      case 'image/jpeg': {
        const image = jpeg.decode(buffer, {
          useTArray: true,
          formatAsRGBA: true,
          maxResolutionInMP: MAX_MEGAPIXELS,
        });
        return { width: image.width, height: image.height, data: image.data };
      }
      case 'image/bmp':
        return decodeBmp(data);
      default:
        throw fail(mediaType, `cannot decode ${mediaType} in Node (PNG, JPEG and BMP are read)`);
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw fail(mediaType, error instanceof Error ? error.message : String(error));
  }
}
