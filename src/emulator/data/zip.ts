import { open } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { HttpError } from '../errors';

/** An entry to write: bytes in memory or a file on disk. */
export type ZipSource = { name: string; data: Buffer } | { name: string; path: string };

const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;

function localHeader(name: Buffer, flags: number, crc: number, size: number): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt16LE(0, 8); // STORE
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(DOS_DATE, 12);
  h.writeUInt32LE(crc >>> 0, 14);
  h.writeUInt32LE(size, 18);
  h.writeUInt32LE(size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(0, 28);
  return Buffer.concat([h, name]);
}

function centralHeader(name: Buffer, flags: number, crc: number, size: number, offset: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(flags, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(0, 12);
  h.writeUInt16LE(DOS_DATE, 14);
  h.writeUInt32LE(crc >>> 0, 16);
  h.writeUInt32LE(size, 20);
  h.writeUInt32LE(size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, name]);
}

function endRecord(count: number, size: number, offset: number): Buffer {
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(count, 8);
  e.writeUInt16LE(count, 10);
  e.writeUInt32LE(size, 12);
  e.writeUInt32LE(offset, 16);
  return e;
}

/** A STORE-only zip of in-memory entries (frame chunks, small exports). */
export function zipBuffers(entries: Array<{ name: string; data: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data);
    const header = localHeader(name, 0x800, crc, e.data.length);
    central.push(centralHeader(name, 0x800, crc, e.data.length, offset));
    parts.push(header, e.data);
    offset += header.length + e.data.length;
  }
  const cd = Buffer.concat(central);
  return Buffer.concat([...parts, cd, endRecord(entries.length, cd.length, offset)]);
}

/** The reads of a file entry, into one buffer used again for every read. */
const READ_SIZE = 1024 * 1024;

/**
 * Streams a STORE-only zip to a file, reading file entries in chunks (CRC and sizes go in a data
 * descriptor, so nothing is held whole in memory). One buffer serves every read: a fresh one per
 * read costs the first touch of each of its pages, most of the time of a 1 GiB export.
 */
export async function zipToFile(target: string, entries: ZipSource[]): Promise<void> {
  const out = await open(target, 'w');
  try {
    let offset = 0;
    const write = async (b: Buffer): Promise<void> => {
      for (let done = 0; done < b.length;) done += (await out.write(b, done)).bytesWritten;
      offset += b.length;
    };
    const buffer = Buffer.allocUnsafeSlow(READ_SIZE);
    const central: Buffer[] = [];
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const start = offset;
      const flags = 0x808;
      await write(localHeader(name, flags, 0, 0));
      let crc = 0;
      let size = 0;
      if ('data' in e) {
        crc = crc32(e.data);
        size = e.data.length;
        await write(e.data);
      } else {
        const source = await open(e.path, 'r');
        try {
          for (;;) {
            const { bytesRead } = await source.read(buffer, 0, READ_SIZE, null);
            if (bytesRead === 0) break;
            const chunk = buffer.subarray(0, bytesRead);
            crc = crc32(chunk, crc);
            size += bytesRead;
            await write(chunk);
          }
        } finally {
          await source.close();
        }
      }
      const desc = Buffer.alloc(16);
      desc.writeUInt32LE(0x08074b50, 0);
      desc.writeUInt32LE(crc >>> 0, 4);
      desc.writeUInt32LE(size, 8);
      desc.writeUInt32LE(size, 12);
      await write(desc);
      central.push(centralHeader(name, flags, crc, size, start));
    }
    const cd = Buffer.concat(central);
    const cdOffset = offset;
    await write(cd);
    await write(endRecord(entries.length, cd.length, cdOffset));
  } finally {
    await out.close();
  }
}

export interface ZipEntry {
  name: string;
  isDirectory: boolean;
  /** The size the archive declares (checked against the limits before anything is inflated). */
  size: number;
  /** The entry's bytes; throws a ZipError (400) or ZipTooLargeError (413), never a RangeError. */
  read(): Buffer;
}

/** A malformed or unsupported archive: the client's fault, a 400. */
export class ZipError extends HttpError {
  constructor(message: string) {
    super(400, [`Invalid zip archive: ${message}`]);
  }
}

/** An archive that inflates past the limits (a zip bomb, or simply too much): 413. */
export class ZipTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, { detail: `Zip archive too large: ${message}` });
  }
}

export interface ZipLimits {
  /** Most bytes one entry may inflate to. */
  maxEntryBytes: number;
  /** Most bytes all entries together may inflate to. */
  maxTotalBytes: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntryBytes: 512 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxEntries: 100_000,
};

/**
 * Reads a zip held in memory (STORE and DEFLATE entries), through its central directory. Every
 * offset is bounds-checked, the declared sizes are checked against `limits` up front, and an
 * entry never inflates past its declared size (so a lying header cannot hide a bomb).
 */
export function readZip(buf: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipEntry[] {
  const u16 = (at: number): number => {
    if (at < 0 || at + 2 > buf.length) throw new ZipError('truncated');
    return buf.readUInt16LE(at);
  };
  const u32 = (at: number): number => {
    if (at < 0 || at + 4 > buf.length) throw new ZipError('truncated');
    return buf.readUInt32LE(at);
  };
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip archive');
  const count = u16(eocd + 10);
  if (count > limits.maxEntries) throw new ZipTooLargeError(`more than ${limits.maxEntries} entries`);
  let p = u32(eocd + 16);
  const entries: ZipEntry[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (u32(p) !== 0x02014b50) throw new ZipError('corrupt central directory');
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const compressed = u32(p + 20);
    const size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    const local = u32(p + 42);
    if (p + 46 + nameLen > buf.length) throw new ZipError('truncated');
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw new ZipError(`${JSON.stringify(name)} is encrypted`);
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff)
      throw new ZipError(`${JSON.stringify(name)}: zip64 is not supported`);
    if (method !== 0 && method !== 8)
      throw new ZipError(`unsupported compression method ${method} for ${JSON.stringify(name)}`);
    if (method === 0 && compressed !== size) throw new ZipError(`${JSON.stringify(name)}: sizes disagree`);
    if (size > limits.maxEntryBytes)
      throw new ZipTooLargeError(
        `${JSON.stringify(name)} declares ${size} bytes (limit ${limits.maxEntryBytes})`,
      );
    total += size;
    if (total > limits.maxTotalBytes)
      throw new ZipTooLargeError(`the entries declare more than ${limits.maxTotalBytes} bytes`);
    if (u32(local) !== 0x04034b50) throw new ZipError('corrupt local header');
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    if (dataStart + compressed > buf.length) throw new ZipError(`${JSON.stringify(name)} is truncated`);
    entries.push({
      name,
      isDirectory: name.endsWith('/'),
      size,
      read: () => {
        const raw = buf.subarray(dataStart, dataStart + compressed);
        return method === 0 ? raw : inflateCapped(raw, size, name);
      },
    });
  }
  return entries;
}

/** Inflates at most `size` bytes: more output than declared is a bomb, less is corruption. */
function inflateCapped(raw: Buffer, size: number, name: string): Buffer {
  if (size === 0) return Buffer.alloc(0);
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: size });
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ZipTooLargeError(`${JSON.stringify(name)} inflates past its declared ${size} bytes`);
    throw new ZipError(`${JSON.stringify(name)} does not inflate (${(e as Error).message})`);
  }
  if (out.length !== size) throw new ZipError(`${JSON.stringify(name)} inflates to the wrong size`);
  return out;
}

export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
}
