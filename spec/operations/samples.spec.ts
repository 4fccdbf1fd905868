import { crc32, deflateRawSync } from 'node:zlib';
import nock from 'nock';
import { lastValueFrom, toArray } from 'rxjs';
import { samples, unzip } from '../../src/entities/operations';
import { DecodeError, UsageError } from '../../src/errors';
import { zipBuffers } from '../../src/emulator/data/zip';
import { HOST, useNock, wireContext } from './support';

useNock();

/** A one-entry zip whose entry is deflated (method 8). */
function deflatedZip(name: string, data: Buffer): Buffer {
  const packed = deflateRawSync(data);
  const file = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(data) >>> 0, 14);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc32(data) >>> 0, 16);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(file.length, 28);
  central.writeUInt32LE(0, 42);
  const body = Buffer.concat([local, file, packed]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + file.length, 12);
  end.writeUInt32LE(body.length, 16);
  return Buffer.concat([body, central, file, end]);
}

describe('unzip', () => {
  it('reads stored and deflated entries', async () => {
    const stored = await unzip(zipBuffers([{ name: '000001.png', data: Buffer.from('one') }]));
    expect(stored.map((e) => [e.name, Buffer.from(e.data).toString()])).toEqual([['000001.png', 'one']]);
    const text = 'deflate me '.repeat(50);
    const deflated = await unzip(deflatedZip('a.txt', Buffer.from(text)));
    expect(Buffer.from(deflated[0].data).toString()).toBe(text);
  });

  it('refuses what is not a zip', async () => {
    await expect(unzip(Buffer.from('not a zip at all, really not'))).rejects.toBeInstanceOf(DecodeError);
  });
});

describe('samples', () => {
  const metaBody = {
    chunk_size: 2,
    size: 3,
    image_quality: 70,
    start_frame: 0,
    stop_frame: 2,
    frame_filter: '',
    frames: [
      { name: 'a.png', width: 1, height: 1, related_files: 0 },
      { name: 'b.png', width: 1, height: 1, related_files: 0 },
      { name: 'c.png', width: 1, height: 1, related_files: 0 },
    ],
    deleted_frames: [1],
    included_frames: null,
    chunks_updated_date: '2026-01-01T00:00:00Z',
  };

  it('reads chunks, skips deleted frames and attaches each frame its tags and shapes', async () => {
    const { ctx, sent } = wireContext();
    nock(HOST)
      .get('/api/tasks/4/data/meta')
      .reply(200, metaBody)
      .get('/api/tasks/4/annotations/')
      .reply(200, {
        version: 0,
        tags: [{ frame: 2, label_id: 1 }],
        shapes: [{ type: 'rectangle', frame: 0, label_id: 1, points: [0, 0, 1, 1] }],
        tracks: [],
      })
      .get('/api/tasks/4/data')
      .query({ type: 'chunk', number: '0', quality: 'original' })
      .reply(
        200,
        zipBuffers([
          { name: '000001.png', data: Buffer.from('b') },
          { name: '000000.png', data: Buffer.from('a') },
        ]),
      )
      .get('/api/tasks/4/data')
      .query({ type: 'chunk', number: '1', quality: 'original' })
      .reply(200, zipBuffers([{ name: '000002.png', data: Buffer.from('c') }]));
    const got = await lastValueFrom(samples(ctx, 4, { concurrency: 1 }).pipe(toArray()));
    expect(
      got.map((s) => [
        s.frame,
        s.name,
        Buffer.from(s.image).toString(),
        s.annotations.tags.length,
        s.annotations.shapes.length,
      ]),
    ).toEqual([
      [0, 'a.png', 'a', 0, 1],
      [2, 'c.png', 'c', 1, 0],
    ]);
    expect(sent.filter((s) => s.line.includes('type=chunk'))).toHaveLength(2);
  });

  it('refuses video chunks', async () => {
    const { ctx } = wireContext();
    nock(HOST)
      .get('/api/tasks/5/data/meta')
      .reply(200, { ...metaBody, deleted_frames: [] })
      .get('/api/tasks/5/annotations/')
      .reply(200, { version: 0, tags: [], shapes: [], tracks: [] })
      .get('/api/tasks/5/data')
      .query(true)
      .times(2)
      .reply(200, Buffer.from('\x00\x00\x00\x18ftypmp42'));
    await expect(lastValueFrom(samples(ctx, 5))).rejects.toBeInstanceOf(UsageError);
  });
});
