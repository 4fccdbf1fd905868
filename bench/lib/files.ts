import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

/**
 * A PNG signature and IHDR header: the emulator reads image sizes from headers only, so any
 * payload after it makes a valid "image" frame of any size.
 */
export function pngHeader(width: number, height: number): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32BE(0x89504e47, 0);
  h.writeUInt32BE(0x0d0a1a0a, 4);
  h.writeUInt32BE(13, 8);
  h.write('IHDR', 12, 'latin1');
  h.writeUInt32BE(width, 16);
  h.writeUInt32BE(height, 20);
  return h;
}

/** Writes one file of exactly `size` bytes (PNG header + random filler), streamed. */
export async function writeImageFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  const filler = randomBytes(4 * 2 ** 20);
  const header = pngHeader(640, 480);
  out.write(header);
  let left = size - header.length;
  while (left > 0) {
    const n = Math.min(left, filler.length);
    if (!out.write(n === filler.length ? filler : filler.subarray(0, n))) await once(out, 'drain');
    left -= n;
  }
  out.end();
  await once(out, 'close');
}

/** `count` files of `size` bytes in `dir`, named so that lexicographic order is creation order. */
export function writeSmallImages(dir: string, count: number, size: number): string[] {
  mkdirSync(dir, { recursive: true });
  const filler = randomBytes(size);
  pngHeader(64, 64).copy(filler, 0);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `img_${String(i).padStart(6, '0')}.png`);
    // A different byte per file, so no two files are identical.
    filler.writeUInt32BE(i, 24);
    writeFileSync(path, filler);
    paths.push(path);
  }
  return paths;
}
