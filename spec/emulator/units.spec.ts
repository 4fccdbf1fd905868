import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, crc32 } from 'node:zlib';
import { imageInfo } from '../../src/emulator/data/media';
import { djangoFileName, parseMultipart } from '../../src/emulator/data/multipart';
import { readZip, zipBuffers } from '../../src/emulator/data/zip';
import { evaluate } from '../../src/emulator/jsonlogic';
import { parseXml } from '../../src/emulator/formats/xml';
import { bmp, gif, jpeg, png } from './helpers';

describe('emulator units', () => {
  it('reads image sizes from PNG, JPEG, GIF, BMP, WebP headers and rejects other data', () => {
    expect(imageInfo(png(3, 4))).toMatchObject({ width: 3, height: 4, mime: 'image/png' });
    expect(imageInfo(jpeg(1920, 1080))).toMatchObject({ width: 1920, height: 1080, mime: 'image/jpeg' });
    expect(imageInfo(gif(5, 6))).toMatchObject({ width: 5, height: 6, mime: 'image/gif' });
    expect(imageInfo(bmp(7, 8))).toMatchObject({ width: 7, height: 8, mime: 'image/bmp' });
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(99, 24, 3);
    webp.writeUIntLE(49, 27, 3);
    expect(imageInfo(webp)).toMatchObject({ width: 100, height: 50, mime: 'image/webp' });
    expect(imageInfo(Buffer.from('not an image at all'))).toBeNull();
  });

  it('reads STORE and DEFLATE zip entries', () => {
    const stored = readZip(zipBuffers([{ name: 'a.txt', data: Buffer.from('hello') }]));
    expect(stored[0]!.read().toString()).toBe('hello');
    // Hand-built DEFLATE archive.
    const data = Buffer.from('deflated '.repeat(50));
    const comp = deflateRawSync(data);
    const name = Buffer.from('d.txt');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data) >>> 0, 14);
    local.writeUInt32LE(comp.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(comp.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const cdOffset = local.length + name.length + comp.length;
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(central.length + name.length, 12);
    end.writeUInt32LE(cdOffset, 16);
    const zip = Buffer.concat([local, name, comp, central, name, end]);
    expect(readZip(zip)[0]!.read().equals(data)).toBe(true);
  });

  it('parses multipart bodies split at any byte, writing files to disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-'));
    try {
      const boundary = 'XyZ123';
      const file = Buffer.concat([Buffer.from('\r\n--XyZ12'), Buffer.alloc(3000, 7)]);
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image_quality"\r\n\r\n70\r\n`),
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="client_files[0]"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        file,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      for (const size of [1, 7, 64, 4096]) {
        const chunks: Buffer[] = [];
        for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
        const res = await parseMultipart(
          Readable.from(chunks) as unknown as IncomingMessage,
          boundary,
          (_f, name) => join(dir, `${size}-${name}`),
        );
        expect(res.fields).toEqual([['image_quality', '70']]);
        expect(res.files).toHaveLength(1);
        expect(readFileSync(res.files[0]!.path).equals(file)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds every delimiter wherever chunks split it, with part data that nearly matches one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-'));
    try {
      const boundary = 'Bnd-42';
      // Contents that hold a delimiter's first bytes, so that a tail held back may or may not be one.
      const files = [
        Buffer.from('\r\n--Bnd-4\r\n--Bnd-4xx\r\n-'),
        Buffer.concat([Buffer.alloc(40, 1), Buffer.from('\r\n--Bnd-')]),
        Buffer.from('\r'),
      ];
      const body = Buffer.concat([
        ...files.map((bytes, i) =>
          Buffer.concat([
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="client_files[${i}]"; filename="f${i}.bin"\r\n\r\n`,
            ),
            bytes,
            Buffer.from('\r\n'),
          ]),
        ),
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="q"\r\n\r\n70\r\n--${boundary}--\r\n`,
        ),
      ]);
      const splits: Buffer[][] = [];
      for (let at = 1; at < body.length; at++) splits.push([body.subarray(0, at), body.subarray(at)]);
      for (let size = 9; size <= 24; size++) {
        const chunks: Buffer[] = [];
        for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
        splits.push(chunks);
      }
      for (const [n, chunks] of splits.entries()) {
        const res = await parseMultipart(
          Readable.from(chunks) as unknown as IncomingMessage,
          boundary,
          (_f, name) => join(dir, `${n}-${name}`),
        );
        expect(res.fields).toEqual([['q', '70']]);
        expect(res.files.map((f) => readFileSync(f.path))).toEqual(files);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes many small file parts and big ones alike; a repeated name keeps the last part', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-'));
    try {
      const boundary = 'b0undary';
      const part = (name: string, bytes: Buffer): Buffer =>
        Buffer.concat([
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="client_files[]"; filename="${name}"\r\n\r\n`,
          ),
          bytes,
          Buffer.from('\r\n'),
        ]);
      const small = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000 + i, i));
      const big = Buffer.alloc(3 * 1024 * 1024 + 5, 9); // over the size held in memory: streamed
      const body = Buffer.concat([
        ...small.map((bytes, i) => part(`f${i}.bin`, bytes)),
        part('big.bin', big),
        part('f0.bin', Buffer.from('second copy')),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += 65536) chunks.push(body.subarray(i, i + 65536));
      const res = await parseMultipart(
        Readable.from(chunks) as unknown as IncomingMessage,
        boundary,
        (_f, name) => join(dir, name),
      );
      expect(res.files).toHaveLength(42);
      // Every write has ended when the parser returns.
      for (let i = 1; i < small.length; i++)
        expect(readFileSync(join(dir, `f${i}.bin`)).equals(small[i]!)).toBe(true);
      expect(readFileSync(join(dir, 'big.bin')).equals(big)).toBe(true);
      expect(readFileSync(join(dir, 'f0.bin'), 'utf8')).toBe('second copy');
      // A small file keeps its first 1,024 bytes (its type is told from them); a streamed one, none.
      expect(res.files[39]!.head!.equals(small[39]!.subarray(0, 1024))).toBe(true);
      expect(res.files[40]!.filename).toBe('big.bin');
      expect(res.files[40]!.head).toBeUndefined();
      expect(res.files[41]!.head!.toString('utf8')).toBe('second copy');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a multipart body at the first small file that cannot be written, writing nothing after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mp-'));
    try {
      const body = Buffer.from(
        '--b\r\nContent-Disposition: form-data; name="client_files[0]"; filename="a.bin"\r\n\r\nabc\r\n' +
          '--b\r\nContent-Disposition: form-data; name="client_files[1]"; filename="b.bin"\r\n\r\ndef\r\n--b--\r\n',
      );
      await expect(
        parseMultipart(Readable.from([body]) as unknown as IncomingMessage, 'b', (_f, name) =>
          join(dir, name === 'a.bin' ? 'missing-folder' : '', name),
        ),
      ).rejects.toThrow(/ENOENT/);
      // As Django's parser, which writes each file as it comes: the error ends the parse there.
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluates JSON Logic like CVAT', () => {
    const data: Record<string, unknown> = { name: 'Alpha', id: 3, owner: null };
    const v = (n: string): unknown => data[n];
    expect(evaluate({ and: [{ '==': [{ var: 'id' }, '3'] }, { in: ['Alp', { var: 'name' }] }] }, v)).toBe(
      true,
    );
    // Django's `contains`: case-sensitive.
    expect(evaluate({ in: ['alp', { var: 'name' }] }, v)).toBe(false);
    expect(evaluate({ '!!': { var: 'owner' } }, v)).toBe(false);
    expect(evaluate({ '>': [{ var: 'owner' }, 1] }, v)).toBe(false);
    expect(() => evaluate({ xor: [1, 2] }, v)).toThrow(/not implemented/);
    expect(() => evaluate({ and: [] }, v)).toThrow(/not implemented/);
  });

  it('parses XML with entities and self-closing tags', () => {
    const doc = parseXml('<?xml version="1.0"?><a x="1 &amp; 2"><b/><c>t &lt; u</c></a>');
    const a = doc.children[0]!;
    expect(a.attrs.x).toBe('1 & 2');
    expect(a.children.map((c) => c.name)).toEqual(['b', 'c']);
    expect(a.children[1]!.text).toBe('t < u');
  });
});

// Each case checked against django/http/multipartparser.py MultiPartParser.sanitize_file_name's
// steps (html.unescape, the part after the last slash or backslash, str.isprintable) run in Python 3.11.
describe('djangoFileName (MultiPartParser.sanitize_file_name)', () => {
  it.each([
    ['photo 1.png', 'photo 1.png'],
    ['dir/sub\\photo.png', 'photo.png'],
    ['a&amp;b&#x41;&#66;.png', 'a&bAB.png'],
    ['bell\u0007.png', 'bell.png'],
    ['zero\u200bwidth.png', 'zerowidth.png'],
    ['no\u00a0break\u2028line.png', 'nobreakline.png'],
    ['emoji 😀.png', 'emoji 😀.png'],
  ])('keeps %j as %j', (raw, kept) => {
    expect(djangoFileName(raw)).toBe(kept);
  });

  it.each(['', 'dir/', '.', 'a/..', '\u0000', '\u00a0\u200b'])('skips %j', (raw) => {
    expect(djangoFileName(raw)).toBeUndefined();
  });
});
