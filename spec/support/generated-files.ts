import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** A small seeded PRNG (mulberry32), so generated files and cut offsets can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes an uncompressed-BMP header (so CVAT and the emulator take the file as an image) followed
 * by random bytes, `size` bytes in all, streamed in 1 MiB pieces; resolves to the file's SHA-256.
 */
export async function writeBmp(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(size, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(64, 18);
  header.writeInt32LE(48, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  const write = async (chunk: Buffer): Promise<void> => {
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(header);
  let left = size - header.length;
  while (left > 0) {
    const piece = randomBytes(Math.min(left, 2 ** 20));
    left -= piece.length;
    await write(piece);
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
