import { DecodeError } from '../../errors';

/** One file of a zip archive. */
export interface UnzippedEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const fail = (issue: string): DecodeError => new DecodeError({ codecName: 'zip', issues: [issue] });

/** How much a zip may inflate to; past it, unzip fails with a DecodeError instead of filling memory. */
export interface UnzipLimits {
  readonly maxEntryBytes: number;
  readonly maxTotalBytes: number;
}

/** Generous for image chunks (CVAT's are a few MB), small enough that a zip bomb cannot exhaust memory. */
export const DEFAULT_UNZIP_LIMITS: UnzipLimits = {
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
};

/**
 * Reads the files of a zip held in memory (CVAT's image chunks): the central directory names
 * them; stored entries are sliced, deflated ones inflated with the platform's DecompressionStream
 * (browsers and Node ≥ 18). Zip64 and encryption are not needed for chunks and are refused.
 * Every offset is bounds-checked and inflation stops at the declared size and at `limits`, so a
 * malformed archive or a zip bomb is a DecodeError, never a RangeError or an exhausted heap.
 */
export async function unzip(
  bytes: Uint8Array,
  limits: UnzipLimits = DEFAULT_UNZIP_LIMITS,
): Promise<UnzippedEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => {
    if (at < 0 || at + 2 > bytes.length) throw fail('<root>: truncated archive');
    return view.getUint16(at, true);
  };
  const u32 = (at: number): number => {
    if (at < 0 || at + 4 > bytes.length) throw fail('<root>: truncated archive');
    return view.getUint32(at, true);
  };
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw fail('<root>: no end of central directory (not a zip)');
  const count = u16(end + 10);
  let at = u32(end + 16);
  const decoder = new TextDecoder();
  const entries: UnzippedEntry[] = [];
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (u32(at) !== 0x02014b50) throw fail(`entry ${n}: bad header`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const compressed = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const local = u32(at + 42);
    if (at + 46 + nameLength > bytes.length) throw fail(`entry ${n}: truncated name`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw fail(`${name}: encrypted`);
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff)
      throw fail(`${name}: zip64 is not supported`);
    if (u32(local) !== 0x04034b50) throw fail(`${name}: bad local header`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + compressed > bytes.length) throw fail(`${name}: truncated data`);
    const raw = bytes.subarray(start, start + compressed);
    if (name.endsWith('/')) continue;
    if (size > limits.maxEntryBytes)
      throw fail(`${name}: declares ${size} bytes, over the ${limits.maxEntryBytes}-byte limit`);
    total += size;
    if (total > limits.maxTotalBytes)
      throw fail(`${name}: the archive declares over ${limits.maxTotalBytes} bytes`);
    if (method === 0) {
      if (compressed !== size) throw fail(`${name}: stored sizes disagree`);
      entries.push({ name, data: raw });
    } else if (method === 8) entries.push({ name, data: await inflate(raw, size, name) });
    else throw fail(`${name}: compression method ${method} is not supported`);
  }
  return entries;
}

/** Inflates into a buffer of the declared size; a byte more is refused before it is kept. */
async function inflate(raw: Uint8Array, size: number, name: string): Promise<Uint8Array> {
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  const reader = new Blob([copy.buffer])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'))
    .getReader();
  const out = new Uint8Array(size);
  let filled = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        throw fail(`${name}: corrupt deflate data`);
      }
      if (next.done) break;
      if (filled + next.value.byteLength > size)
        throw fail(`${name}: inflates past its declared ${size} bytes`);
      out.set(next.value, filled);
      filled += next.value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (filled !== size) throw fail(`${name}: inflates to ${filled} bytes, not the declared ${size}`);
  return out;
}

/**
 * The files of an image chunk in frame order (CVAT names them `000000.jpeg`, `000001.jpeg`, …);
 * undefined when the chunk is not a zip (a video segment).
 */
export async function chunkImages(bytes: Uint8Array): Promise<Uint8Array[] | undefined> {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) return undefined;
  const entries = await unzip(bytes);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.map((entry) => entry.data);
}
