import { DecodeError } from '../../errors';

/** One file of a zip archive. */
export interface UnzippedEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const fail = (issue: string): DecodeError => new DecodeError({ codecName: 'zip', issues: [issue] });

/**
 * Reads the files of a zip held in memory (CVAT's image chunks): the central directory names
 * them; stored entries are sliced, deflated ones inflated with the platform's DecompressionStream
 * (browsers and Node ≥ 18). Zip64 and encryption are not needed for chunks and are refused.
 */
export async function unzip(bytes: Uint8Array): Promise<UnzippedEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw fail('<root>: no end of central directory (not a zip)');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  const entries: UnzippedEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50)
      throw fail(`entry ${n}: bad header`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw fail(`${name}: encrypted`);
    if (compressed === 0xffffffff || local === 0xffffffff) throw fail(`${name}: zip64 is not supported`);
    if (view.getUint32(local, true) !== 0x04034b50) throw fail(`${name}: bad local header`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = bytes.subarray(start, start + compressed);
    if (name.endsWith('/')) continue;
    if (method === 0) entries.push({ name, data: raw });
    else if (method === 8) entries.push({ name, data: await inflate(raw) });
    else throw fail(`${name}: compression method ${method} is not supported`);
  }
  return entries;
}

async function inflate(raw: Uint8Array): Promise<Uint8Array> {
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  const stream = new Blob([copy.buffer]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
