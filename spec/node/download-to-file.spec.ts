import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nock from 'nock';
import { lastValueFrom, toArray } from 'rxjs';
import { ApiError, NetworkError, TimeoutError, UsageError } from '../../src/errors';
import { downloadToFile } from '../../src/node';
import type { DownloadedFile } from '../../src/node';
import type { TransferEvent } from '../../src/transfer/progress';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

const HOST = 'http://cvat.test';
const PATH = '/api/tasks/1/backup/download';
const transport = () => new Transport(new Configuration({ host: HOST, retry: { maxAttempts: 1 } }));
const request = { method: 'GET' as const, url: PATH, query: { rq_id: 'rq-1' } };

let dir: string;
beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvat-rx-download-'));
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  rmSync(dir, { recursive: true, force: true });
});

const collect = (options: Parameters<typeof downloadToFile>[2]) =>
  lastValueFrom(downloadToFile(transport(), request, options).pipe(toArray()));

const loadedOf = (events: readonly TransferEvent<DownloadedFile>[]) =>
  events.flatMap((e) => (e.type === 'progress' ? [e.loaded] : []));

/** A body that sends its parts one by one, then fails or hangs as asked. */
function body(parts: readonly string[], end: 'end' | 'error' | 'hang' = 'end'): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < parts.length) {
        this.push(parts[i++]);
      } else if (end === 'end') {
        this.push(null);
      } else if (end === 'error') {
        this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      }
    },
  });
}

describe('downloadToFile', () => {
  it('streams into the folder under the sanitized Content-Disposition name, with progress', async () => {
    const scope = nock(HOST)
      .get(PATH)
      .query({ rq_id: 'rq-1' })
      .reply(200, () => body(['0123456789', 'abcdef']), {
        'Content-Disposition': 'attachment; filename="../../task_1_backup.zip"',
        'Content-Type': 'application/zip',
        'Content-Length': '16',
      });
    const events = await collect({ directory: dir });

    expect(scope.isDone()).toBe(true);
    expect(readdirSync(dir)).toEqual(['task_1_backup.zip']);
    expect(readFileSync(join(dir, 'task_1_backup.zip'), 'utf8')).toBe('0123456789abcdef');
    const loaded = loadedOf(events);
    loaded.slice(1).forEach((value, i) => expect(value).toBeGreaterThanOrEqual(loaded[i]));
    expect(loaded[loaded.length - 1]).toBe(16);
    expect(events.every((e) => e.type === 'result' || e.total === 16)).toBe(true);
    expect(events[events.length - 1]).toEqual({
      type: 'result',
      value: { path: join(dir, 'task_1_backup.zip'), size: 16, contentType: 'application/zip' },
    });
  });

  it('writes to an explicit path, using the fallback name only for folders', async () => {
    nock(HOST).get(PATH).query(true).reply(200, 'data');
    await collect({ path: join(dir, 'out.zip') });
    expect(readdirSync(dir)).toEqual(['out.zip']);
    nock(HOST).get(PATH).query(true).reply(200, 'data');
    await collect({ directory: dir, filename: 'fallback.zip' });
    expect(readdirSync(dir).sort()).toEqual(['fallback.zip', 'out.zip']);
  });

  it('refuses to overwrite an existing file before any request', async () => {
    writeFileSync(join(dir, 'out.zip'), 'precious');
    const scope = nock(HOST).get(PATH).query(true).reply(200, 'new');
    const error = await collect({ path: join(dir, 'out.zip') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(scope.isDone()).toBe(false);
    expect(readFileSync(join(dir, 'out.zip'), 'utf8')).toBe('precious');
  });

  it('refuses to overwrite a file named by the server, leaving nothing behind', async () => {
    writeFileSync(join(dir, 'b.zip'), 'precious');
    nock(HOST)
      .get(PATH)
      .query(true)
      .reply(200, () => body(['new']), { 'Content-Disposition': 'attachment; filename=b.zip' });
    await expect(collect({ directory: dir })).rejects.toBeInstanceOf(UsageError);
    expect(readdirSync(dir)).toEqual(['b.zip']);
    expect(readFileSync(join(dir, 'b.zip'), 'utf8')).toBe('precious');
  });

  it('replaces an existing file with overwrite: true', async () => {
    writeFileSync(join(dir, 'out.zip'), 'old');
    nock(HOST).get(PATH).query(true).reply(200, 'new');
    await collect({ path: join(dir, 'out.zip'), overwrite: true });
    expect(readdirSync(dir)).toEqual(['out.zip']);
    expect(readFileSync(join(dir, 'out.zip'), 'utf8')).toBe('new');
  });

  it('leaves no partial file when the connection fails mid-body', async () => {
    nock(HOST)
      .get(PATH)
      .query(true)
      .reply(200, () => body(['0123456789'], 'error'), { 'Content-Length': '100' });
    const error = await collect({ path: join(dir, 'out.zip') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves no partial file after an unsubscribe mid-body', async () => {
    nock(HOST)
      .get(PATH)
      .query(true)
      .reply(200, () => body(['0123456789', 'abc'], 'hang'), { 'Content-Length': '100' });
    const seen: TransferEvent<DownloadedFile>[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = downloadToFile(transport(), request, { path: join(dir, 'out.zip') }).subscribe({
        next: (event) => {
          seen.push(event);
          if (event.type === 'progress' && event.loaded >= 13) {
            expect(readdirSync(dir)).toHaveLength(1); // the temporary file, mid-download
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'out.zip'))).toBe(false);
    expect(seen.every((e) => e.type === 'progress')).toBe(true);
  });

  it('raises ApiError for an error status and writes nothing', async () => {
    nock(HOST).get(PATH).query(true).reply(404, { detail: 'Not found.' });
    const error = await collect({ directory: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['neither path nor directory', {}],
    ['both path and directory', { path: 'x', directory: '.' }],
    ['a missing directory', { directory: '/nonexistent/cvat-rx' }],
  ])('rejects %s before any request', async (_label, options) => {
    const scope = nock(HOST).get(PATH).query(true).reply(200, 'x');
    await expect(collect(options)).rejects.toBeInstanceOf(UsageError);
    expect(scope.isDone()).toBe(false);
  });
});

describe('downloadToFile idle timeout', () => {
  it('fails with TimeoutError when the body goes silent, leaving nothing behind', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'cvat-rx-idle-'));
    nock.disableNetConnect();
    try {
      let i = 0;
      const silent = new Readable({
        read() {
          if (i++ === 0) this.push('0123');
        },
      });
      nock(HOST)
        .get(PATH)
        .query(true)
        .reply(200, () => silent);
      const error = await lastValueFrom(
        downloadToFile(transport(), request, { path: join(dir2, 'out.zip'), idleTimeoutMs: 30 }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(readdirSync(dir2)).toEqual([]);
    } finally {
      nock.cleanAll();
      nock.enableNetConnect();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
