import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { png } from '../../emulator/helpers';

/** Every file under `root` (paths relative to it), for "nothing written where it should not be". */
export function filesUnder(root: string): Array<{ path: string; size: number }> {
  if (!existsSync(root)) return [];
  const out: Array<{ path: string; size: number }> = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const st = statSync(abs, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(abs, `${rel}${name}/`);
      else out.push({ path: `${rel}${name}`, size: st.size });
    }
  };
  walk(root, '');
  return out;
}

export interface RawEntry {
  readonly name: string;
  readonly data: Buffer;
  /** DEFLATE instead of STORE. */
  readonly deflate?: boolean;
  /** The uncompressed size written in the headers (a lie, for bombs). */
  readonly declaredSize?: number;
}

/**
 * A zip built byte by byte, so tests can write what no honest zip library writes: hostile names
 * and sizes that lie.
 */
export function rawZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const size = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The entries of a minimal valid CVAT task backup with one 4×3 PNG frame, plus `extra`. */
export function taskBackup(extra: readonly RawEntry[] = [], frames: readonly string[] = ['a.png']): Buffer {
  const manifest = {
    name: 'restored',
    version: '1.0',
    labels: [{ name: 'car', color: '#ff0000', attributes: [], type: 'any', svg: '', sublabels: [] }],
    data: { chunk_size: 72, image_quality: 70, start_frame: 0, stop_frame: frames.length - 1 },
    jobs: [{ type: 'annotation', status: 'annotation', start_frame: 0, stop_frame: frames.length - 1 }],
  };
  const annotations = [{ version: 0, tags: [], shapes: [], tracks: [] }];
  return rawZip([
    { name: 'task.json', data: Buffer.from(JSON.stringify(manifest)) },
    { name: 'annotations.json', data: Buffer.from(JSON.stringify(annotations)) },
    ...frames.map((f) => ({ name: `data/${f}`, data: png(4, 3) })),
    ...extra,
  ]);
}
