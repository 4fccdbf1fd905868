import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nock from 'nock';
import { lastValueFrom, toArray } from 'rxjs';
import { uploadFiles } from '../../src/node';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

const HOST = 'http://cvat.test';
const URL_ = '/api/tasks/5/data/';
const CONTENT = 'abcdefghijklmnopqrstuvwxy';

let dir: string;
beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvat-rx-upload-'));
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  rmSync(dir, { recursive: true, force: true });
});

/** TUS create + three 10-byte PATCHes of CONTENT for one file id. */
function tus(scope: nock.Scope, id: string, name: string) {
  scope
    .post(URL_)
    .matchHeader('upload-length', '25')
    .matchHeader('upload-metadata', `filename ${Buffer.from(name).toString('base64')}`)
    .reply(201, '', { Location: `http://localhost:8080${URL_}${id}`, 'Upload-Filename': name });
  for (const offset of [0, 10, 20]) {
    scope
      .patch(`${URL_}${id}`, CONTENT.slice(offset, offset + 10))
      .matchHeader('upload-offset', String(offset))
      .matchHeader('content-length', String(Math.min(10, 25 - offset)))
      .reply(204, '', { 'Upload-Offset': String(Math.min(25, offset + 10)) });
  }
}

describe('uploadFiles (Node inputs on the wire)', () => {
  it('streams a file from disk in TUS chunks, a stream by TUS, and small files in one bulk request', async () => {
    writeFileSync(join(dir, 'big.bin'), CONTENT);
    writeFileSync(join(dir, 'small.jpg'), 'SMALL');
    const scope = nock(HOST);
    const bulkBodies: string[] = [];
    scope.post(URL_).matchHeader('upload-start', 'true').reply(202);
    scope
      .post(URL_, (body: string) => (bulkBodies.push(body), true))
      .matchHeader('upload-multiple', 'true')
      .reply(200);
    tus(scope, 'id-1', 'big.bin');
    tus(scope, 'id-2', 'piped.bin');
    scope
      .post(URL_, { upload_file_order: ['big.bin', 'small.jpg', 'piped.bin', 'mem.txt'] })
      .matchHeader('upload-finish', 'true')
      .reply(202, { rq_id: 'rq-9' });

    const events = await lastValueFrom(
      uploadFiles(
        new Transport(new Configuration({ host: HOST })),
        [
          join(dir, 'big.bin'),
          join(dir, 'small.jpg'),
          {
            name: 'piped.bin',
            stream: Readable.from([Buffer.from(CONTENT.slice(0, 7)), Buffer.from(CONTENT.slice(7))]),
            size: 25,
          },
          { name: 'mem.txt', data: Buffer.from('MEM') },
        ],
        { url: URL_, maxRequestSize: 10, concurrency: 1, fileOrder: true, tus: { chunkSize: 10 } },
      ).pipe(toArray()),
    );

    expect(scope.isDone()).toBe(true);
    expect(bulkBodies).toHaveLength(1);
    expect(bulkBodies[0]).toContain('filename="small.jpg"');
    expect(bulkBodies[0]).toContain('\r\n\r\nSMALL\r\n');
    expect(bulkBodies[0]).toContain('filename="mem.txt"');
    const loaded = events.flatMap((e) => (e.type === 'progress' ? [e.loaded] : []));
    loaded.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(loaded[i]));
    expect(loaded[loaded.length - 1]).toBe(58);
    expect(events[events.length - 1]).toMatchObject({ type: 'result', value: { rqId: 'rq-9' } });
  });
});
