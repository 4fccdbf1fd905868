import { open } from 'node:fs/promises';

export interface ImageInfo {
  width: number;
  height: number;
  mime: string;
  ext: string;
}

/** Reads an image's size from its header (PNG, JPEG, GIF, BMP, WebP, TIFF); null when not an image. */
export function imageInfo(buf: Buffer): ImageInfo | null {
  try {
    return headerInfo(buf);
  } catch (e) {
    // A truncated or lying header reads past the end: that is "not an image", not a fault.
    if (e instanceof RangeError) return null;
    throw e;
  }
}

function headerInfo(buf: Buffer): ImageInfo | null {
  if (
    buf.length >= 24 &&
    buf.readUInt32BE(0) === 0x89504e47 &&
    buf.readUInt32BE(4) === 0x0d0a1a0a &&
    buf.toString('latin1', 12, 16) === 'IHDR'
  ) {
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), mime: 'image/png', ext: '.png' };
  }
  if (buf.length >= 10 && buf.toString('latin1', 0, 4) === 'GIF8') {
    return { width: buf.readUInt16LE(6), height: buf.readUInt16LE(8), mime: 'image/gif', ext: '.gif' };
  }
  if (buf.length >= 26 && buf.toString('latin1', 0, 2) === 'BM') {
    const headerSize = buf.readUInt32LE(14);
    if (headerSize === 12)
      return { width: buf.readUInt16LE(18), height: buf.readUInt16LE(20), mime: 'image/bmp', ext: '.bmp' };
    return {
      width: Math.abs(buf.readInt32LE(18)),
      height: Math.abs(buf.readInt32LE(22)),
      mime: 'image/bmp',
      ext: '.bmp',
    };
  }
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) return jpeg(buf);
  if (buf.length >= 30 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP')
    return webp(buf);
  if (
    buf.length >= 8 &&
    (buf.toString('latin1', 0, 4) === 'II*\0' || buf.toString('latin1', 0, 4) === 'MM\0*')
  )
    return tiff(buf);
  return null;
}

function jpeg(buf: Buffer): ImageInfo | null {
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = buf[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = buf.readUInt16BE(i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof)
      return {
        height: buf.readUInt16BE(i + 5),
        width: buf.readUInt16BE(i + 7),
        mime: 'image/jpeg',
        ext: '.jpg',
      };
    if (marker === 0xda) return null;
    i += 2 + len;
  }
  return null;
}

function webp(buf: Buffer): ImageInfo | null {
  const kind = buf.toString('latin1', 12, 16);
  const base = { mime: 'image/webp', ext: '.webp' };
  if (kind === 'VP8 ')
    return { ...base, width: buf.readUInt16LE(26) & 0x3fff, height: buf.readUInt16LE(28) & 0x3fff };
  if (kind === 'VP8L') {
    const b = buf.readUInt32LE(21);
    return { ...base, width: (b & 0x3fff) + 1, height: ((b >> 14) & 0x3fff) + 1 };
  }
  if (kind === 'VP8X')
    return { ...base, width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 };
  return null;
}

function tiff(buf: Buffer): ImageInfo | null {
  const le = buf[0] === 0x49;
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > buf.length) return null;
  let width = 0;
  let height = 0;
  const n = u16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > buf.length) break;
    const tag = u16(e);
    const type = u16(e + 2);
    const value = type === 3 ? u16(e + 8) : u32(e + 8);
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width && height ? { width, height, mime: 'image/tiff', ext: '.tif' } : null;
}

/** Reads just enough of a file to find its image header. */
export async function probeFile(path: string): Promise<ImageInfo | null> {
  const handle = await open(path, 'r');
  try {
    let size = 64 * 1024;
    for (;;) {
      const buf = Buffer.alloc(size);
      const { bytesRead } = await handle.read(buf, 0, size, 0);
      const info = imageInfo(buf.subarray(0, bytesRead));
      // A JPEG's size can sit after large EXIF blocks: look further before giving up.
      if (info || bytesRead < size || buf[0] !== 0xff || size >= 4 * 1024 * 1024) return info;
      size *= 4;
    }
  } finally {
    await handle.close();
  }
}

export function mimeOf(name: string): string {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  const map: Record<string, string> = {
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    jpe: 'image/jpeg',
    png: 'image/png',
    gif: 'image/gif',
    bmp: 'image/bmp',
    webp: 'image/webp',
    tif: 'image/tiff',
    tiff: 'image/tiff',
    zip: 'application/zip',
    json: 'application/json',
    xml: 'application/xml',
  };
  return map[ext] ?? 'application/octet-stream';
}
