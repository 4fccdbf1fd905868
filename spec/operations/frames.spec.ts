import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  chunk,
  downloadFrames,
  frame,
  frameFilename,
  frames,
  meta,
  preview,
} from '../../src/entities/operations';
import { ApiError, UsageError } from '../../src/errors';
import { HOST, useNock, wireContext } from './support';

useNock();

it('frame: GET /api/tasks/{id}/data?type=frame&number=N&quality= → bytes', async () => {
  const { ctx } = wireContext();
  nock(HOST)
    .get('/api/tasks/1/data')
    .query({ type: 'frame', number: '3', quality: 'original' })
    .reply(200, Buffer.from([1, 2, 3]), { 'Content-Type': 'image/png' });
  const data = await firstValueFrom(frame(ctx, 'tasks', 1, 3, { quality: 'original' }));
  expect(Array.from(data)).toEqual([1, 2, 3]);
});

it('job frames, several at once, each with its number', async () => {
  const { ctx } = wireContext();
  nock(HOST)
    .get('/api/jobs/2/data')
    .query((q) => q.type === 'frame')
    .times(3)
    .reply(function (uri) {
      const n = Number(new URL(uri, HOST).searchParams.get('number'));
      return [200, Buffer.from([n])];
    });
  const got = await lastValueFrom(frames(ctx, 'jobs', 2, [4, 5, 6], { concurrency: 2 }).pipe(toArray()));
  expect(got.map((f) => [f.frame, f.data[0]]).sort()).toEqual([
    [4, 4],
    [5, 5],
    [6, 6],
  ]);
});

it('chunk: a 429 with Retry-After (not ready) is waited out, then the bytes', async () => {
  const { ctx } = wireContext();
  let asked = 0;
  nock(HOST)
    .get('/api/tasks/1/data')
    .query({ type: 'chunk', number: '0', quality: 'compressed' })
    .times(5)
    .reply(() => {
      asked += 1;
      return [429, { detail: 'not ready' }, { 'Retry-After': '0' }];
    })
    .get('/api/tasks/1/data')
    .query({ type: 'chunk', number: '0', quality: 'compressed' })
    .reply(200, Buffer.from('zip'));
  const data = await firstValueFrom(chunk(ctx, 'tasks', 1, 0, { quality: 'compressed' }));
  expect(Buffer.from(data).toString()).toBe('zip');
  // More than the transport's own retries (4 attempts): the rest were waited out here.
  expect(asked).toBe(5);
});

it('chunk: gives up after maxNotReadyRetries', async () => {
  const { ctx } = wireContext();
  nock(HOST)
    .get('/api/jobs/1/data')
    .query({ type: 'chunk', index: '2' })
    .times(10)
    .reply(429, {}, { 'Retry-After': '0' });
  const error = await firstValueFrom(chunk(ctx, 'jobs', 1, 2, { maxNotReadyRetries: 1 })).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(429);
});

it('preview and meta', async () => {
  const { ctx } = wireContext();
  nock(HOST)
    .get('/api/projects/3/preview')
    .reply(200, Buffer.from('jpg'), { 'Content-Type': 'image/jpeg' })
    .get('/api/tasks/3/data/meta')
    .reply(200, {
      chunk_size: 72,
      size: 2,
      image_quality: 70,
      start_frame: 0,
      stop_frame: 1,
      frame_filter: '',
      frames: [],
      deleted_frames: [],
      included_frames: null,
      chunks_updated_date: '2026-01-01T00:00:00Z',
    });
  expect(Buffer.from(await firstValueFrom(preview(ctx, 'projects', 3))).toString()).toBe('jpg');
  expect((await firstValueFrom(meta(ctx, 'tasks', 3))).size).toBe(2);
});

it('frameFilename formats numbers and extensions and refuses paths', () => {
  expect(frameFilename('frame_{frame:06d}{ext}', 42, '.png')).toBe('frame_000042.png');
  expect(frameFilename('{frame}{ext}', 7, '.jpg')).toBe('7.jpg');
  expect(() => frameFilename('../{frame}', 1, '.jpg')).toThrow(UsageError);
});

it('downloadFrames writes one file per frame, named by pattern and Content-Type', async () => {
  const { ctx } = wireContext();
  const dir = mkdtempSync(join(tmpdir(), 'cvat-rx-frames-'));
  try {
    nock(HOST)
      .get('/api/tasks/1/data')
      .query((q) => q.type === 'frame')
      .times(2)
      .reply(function (uri) {
        const n = Number(new URL(uri, HOST).searchParams.get('number'));
        return [200, Buffer.from([n]), { 'Content-Type': n === 0 ? 'image/png' : 'image/jpeg' }];
      });
    const saved = await lastValueFrom(downloadFrames(ctx, 'tasks', 1, [0, 1], dir).pipe(toArray()));
    expect(saved.map((s) => s.frame).sort()).toEqual([0, 1]);
    expect(readdirSync(dir).sort()).toEqual(['frame_000000.png', 'frame_000001.jpg']);
    expect(readFileSync(join(dir, 'frame_000001.jpg'))[0]).toBe(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
