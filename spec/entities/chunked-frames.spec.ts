import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { makeClient } from '../../src/client';
import type { CvatClient } from '../../src/client';
import * as s from '../client/samples';

const { HOST } = s;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

/** Which data requests went out, as `type:number`. */
function recordData(seen: string[]): void {
  nock(HOST)
    .persist()
    .get('/api/tasks/1/data')
    .query(true)
    .reply(function (uri) {
      const query = new URL(uri, HOST).searchParams;
      seen.push(`${query.get('type')}:${query.get('number')}`);
      // A chunk that is not a zip (a video segment), and frames as JPEG.
      return query.get('type') === 'chunk'
        ? [200, Buffer.from('not a zip'), { 'Content-Type': 'video/mp4' }]
        : [200, JPEG, { 'Content-Type': 'image/jpeg' }];
    });
}

describe('task.frames() and chunks, on the wire', () => {
  let client: CvatClient;
  beforeAll(() => nock.disableNetConnect());
  beforeEach(() => {
    client = makeClient({
      host: HOST,
      credentials: { token: 'pat' },
      config: { transport: { retry: { maxAttempts: 1 } } },
    });
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  const task = async (chunkType: 'imageset' | 'video') => {
    nock(HOST)
      .get('/api/tasks/1')
      .times(2)
      .reply(
        200,
        s.task(1, {
          size: 20,
          data_chunk_size: 10,
          data_original_chunk_type: chunkType,
          data_compressed_chunk_type: chunkType,
        }),
      );
    return firstValueFrom(client.tasks.retrieve(1));
  };
  const ids = Array.from({ length: 10 }, (_, i) => i);

  it('asks frame by frame in a video task', async () => {
    const seen: string[] = [];
    recordData(seen);
    const frames = await lastValueFrom((await task('video')).frames(ids).pipe(toArray()));
    expect(frames).toHaveLength(10);
    expect(seen.filter((r) => r.startsWith('chunk'))).toEqual([]);
    expect(seen).toHaveLength(10);
  });

  it('falls back to the frames when a chunk is not a zip, and keeps their Content-Type', async () => {
    const seen: string[] = [];
    recordData(seen);
    const frames = await lastValueFrom((await task('imageset')).frames(ids).pipe(toArray()));
    expect(seen[0]).toBe('chunk:0');
    expect(seen.slice(1).sort()).toEqual(ids.map((i) => `frame:${i}`).sort());
    expect(frames.map((f) => f.frame).sort((a, b) => a - b)).toEqual(ids);
    expect(frames.every((f) => f.contentType === 'image/jpeg' && Buffer.from(f.data).equals(JPEG))).toBe(
      true,
    );
  });

  it('sends no task request for a short list', async () => {
    const seen: string[] = [];
    recordData(seen);
    const scope = nock(HOST)
      .get('/api/tasks/1')
      .reply(200, s.task(1, { size: 20, data_chunk_size: 10 }));
    const one = await firstValueFrom(client.tasks.retrieve(1));
    await lastValueFrom(one.frames([0, 1, 2]).pipe(toArray()));
    expect(scope.isDone()).toBe(true);
    expect(seen.sort()).toEqual(['frame:0', 'frame:1', 'frame:2']);
  });
});
