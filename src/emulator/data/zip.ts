import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { crc32, inflateRawSync } from 'node:zlib';

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

/**
 * Streams a STORE-only zip to a file, reading file entries in chunks (CRC and sizes go in a data
 * descriptor, so nothing is held whole in memory).
 */
export async function zipToFile(target: string, entries: ZipSource[]): Promise<void> {
  const out = createWriteStream(target);
  let offset = 0;
  const write = async (b: Buffer): Promise<void> => {
    offset += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
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
      for await (const chunk of createReadStream(e.path) as AsyncIterable<Buffer>) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        await write(chunk);
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
  out.end();
  await once(out, 'close');
}

export interface ZipEntry {
  name: string;
  isDirectory: boolean;
  read(): Buffer;
}

/** Reads a zip held in memory (STORE and DEFLATE entries), through its central directory. */
export function readZip(buf: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error('corrupt zip local header');
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    entries.push({
      name,
      isDirectory: name.endsWith('/'),
      read: () => {
        const raw = buf.subarray(dataStart, dataStart + compressed);
        if (method === 0) return raw;
        if (method === 8) return inflateRawSync(raw);
        throw new Error(`unsupported zip compression method ${method} for ${name}`);
      },
    });
  }
  return entries;
}

export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
}
