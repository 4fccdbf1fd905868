import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { FrameRec } from '../model';

/**
 * Image decoding and JPEG encoding for compressed frames, chunks and previews. CVAT's
 * ZipCompressedChunkWriter re-encodes every frame with PIL as RGB JPEG at the task's
 * image_quality; here pngjs and jpeg-js (pure JS, no native build) do the same for PNG, JPEG and
 * uncompressed BMP sources. Other formats cannot be decoded: asking for their compressed form
 * is a CodecError.
 */

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  data: Buffer;
}

export class CodecError extends Error {}

export function decode(buf: Buffer, mime: string): Pixels {
  try {
    if (mime === 'image/png') {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (mime === 'image/jpeg') {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: Buffer.from(img.data) };
    }
    if (mime === 'image/bmp') return decodeBmp(buf);
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw new CodecError(`cannot decode the image: ${e instanceof Error ? e.message : String(e)}`);
  }
  throw new CodecError(`the emulator cannot decode ${mime} images (only PNG, JPEG and uncompressed BMP)`);
}

/** Uncompressed 8, 24 and 32-bit Windows bitmaps (BI_RGB, or BI_BITFIELDS in BGRA order). */
function decodeBmp(buf: Buffer): Pixels {
  const headerSize = buf.readUInt32LE(14);
  if (headerSize < 40) throw new CodecError('OS/2 bitmaps are not supported');
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  const offset = buf.readUInt32LE(10);
  if (width <= 0 || rawHeight === 0) throw new CodecError('bad bitmap size');
  if (!(compression === 0 || (compression === 3 && bpp === 32)) || ![8, 24, 32].includes(bpp))
    throw new CodecError(`${bpp}-bit bitmaps with compression ${compression} are not supported`);
  const height = Math.abs(rawHeight);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (offset + stride * height > buf.length) throw new CodecError('truncated bitmap');
  const colors = buf.readUInt32LE(46) || 256;
  const palette = 14 + headerSize;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = offset + stride * (rawHeight > 0 ? height - 1 - y : y);
    for (let x = 0; x < width; x++) {
      let p: number;
      if (bpp === 8) {
        const index = buf[row + x]!;
        if (index >= colors) throw new CodecError('bad palette index');
        p = palette + index * 4;
      } else p = row + (x * bpp) / 8;
      const o = (y * width + x) * 4;
      data[o] = buf[p + 2]!;
      data[o + 1] = buf[p + 1]!;
      data[o + 2] = buf[p]!;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

export function encodeJpeg(pixels: Pixels, quality: number): Buffer {
  return Buffer.from(jpeg.encode(pixels, quality).data);
}

/** PIL's Image.thumbnail: fits the image in `max` × `max`, keeping its aspect ratio. */
export function thumbnail(src: Pixels, max: number): Pixels {
  if (src.width <= max && src.height <= max) return src;
  const scale = Math.min(max / src.width, max / src.height);
  const width = Math.max(1, Math.round(src.width * scale));
  const height = Math.max(1, Math.round(src.height * scale));
  const data = Buffer.alloc(width * height * 4);
  // Box filter: every target pixel averages the source pixels it covers.
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * src.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * src.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * src.width) / width));
      const sum = [0, 0, 0, 0];
      for (let sy = y0; sy < y1; sy++)
        for (let sx = x0; sx < x1; sx++)
          for (let c = 0; c < 4; c++) sum[c]! += src.data[(sy * src.width + sx) * 4 + c]!;
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 4; c++) data[(y * width + x) * 4 + c] = Math.round(sum[c]! / n);
    }
  }
  return { width, height, data };
}

/**
 * A file derived from a frame (its compressed form, its preview), made once and kept next to the
 * source, as CVAT's media cache keeps chunks: later requests read the file.
 */
async function derived(path: string, make: () => Promise<Buffer>): Promise<Buffer> {
  if (existsSync(path)) return readFile(path);
  const bytes = await make();
  // Written under a temporary name first: a concurrent request never reads half a file.
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
  return bytes;
}

/** The compressed (JPEG at the task's image_quality) form of a frame. */
export function compressedFrame(frame: FrameRec, quality: number): Promise<Buffer> {
  return derived(`${frame.path}.q${quality}.compressed.jpeg`, async () =>
    encodeJpeg(decode(await readFile(frame.path), frame.mime), quality),
  );
}

/** CVAT's PREVIEW_SIZE (256 × 256) thumbnail of a frame, as JPEG at PIL's default quality, 75. */
export function previewOf(frame: FrameRec): Promise<Buffer> {
  return derived(`${frame.path}.preview.jpeg`, async () =>
    encodeJpeg(thumbnail(decode(await readFile(frame.path), frame.mime), 256), 75),
  );
}
