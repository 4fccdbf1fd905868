import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ApiError, NetworkError, UsageError } from '../../src/errors';
import { fromBytes } from '../../src/transfer/source';
import { encodeMetadata, tusUpload } from '../../src/transfer/tus';
import type { TransferEvent } from '../../src/transfer/progress';
import type { TusResult } from '../../src/transfer/tus';
import type { RequestBody, TransportRequest } from '../../src/transport/types';
import { FakeTransport } from './support/fake-transport';
import type { FakeReply } from './support/fake-transport';

const CONTENT = 'abcdefghijklmnopqrstuvwxy'; // 25 bytes
const LOCATION = 'http://cvat.test:8080/api/tasks/1/data/0b8d4f3e-0000-4000-8000-000000000001';
const source = () => fromBytes(new TextEncoder().encode(CONTENT), 'a.bin');

function text(body: RequestBody | undefined): string {
  return body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);
}

const created: FakeReply = { status: 201, headers: { Location: LOCATION, 'Upload-Filename': 'a.bin' } };
const accepted = (offset: number): FakeReply => ({
  status: 204,
  headers: { 'Upload-Offset': String(offset) },
});

/** A well-behaved server: answers every chunk with the offset after it. */
function server(overrides: Record<number, FakeReply> = {}) {
  return (request: TransportRequest, index: number): FakeReply => {
    if (overrides[index]) return overrides[index];
    if (request.method === 'POST') return created;
    const offset = Number(request.headers?.['Upload-Offset']);
    const body = request.body instanceof Uint8Array ? request.body.byteLength : 0;
    return accepted(offset + body);
  };
}

const run = (transport: FakeTransport, options: Partial<Parameters<typeof tusUpload>[1]> = {}) =>
  lastValueFrom(
    tusUpload(transport, {
      url: '/api/tasks/1/data',
      source: source(),
      chunkSize: 10,
      retryDelayMs: 0,
      ...options,
    }).pipe(toArray()),
  );

function progressOf(events: readonly TransferEvent<TusResult>[]): number[] {
  return events.flatMap((event) => (event.type === 'progress' ? [event.loaded] : []));
}

describe('tusUpload', () => {
  it('creates the upload, then PATCHes chunks in order from offset 0', async () => {
    const transport = new FakeTransport(server());
    const events = await run(transport);

    expect(transport.lines()).toEqual([
      'POST /api/tasks/1/data/',
      `PATCH ${LOCATION} @0`,
      `PATCH ${LOCATION} @10`,
      `PATCH ${LOCATION} @20`,
    ]);
    const create = transport.requests[0].request;
    expect(create.headers).toEqual({
      'Tus-Resumable': '1.0.0',
      Origin: 'http://cvat.test:8080',
      'Upload-Length': '25',
      'Upload-Metadata': `filename ${Buffer.from('a.bin').toString('base64')}`,
    });
    const patch = transport.requests[1].request;
    expect(patch.headers).toEqual({
      'Tus-Resumable': '1.0.0',
      'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': '0',
    });
    expect(patch.retry).toEqual({ maxAttempts: 1 });
    expect(transport.requests.slice(1).map((r) => text(r.request.body))).toEqual([
      'abcdefghij',
      'klmnopqrst',
      'uvwxy',
    ]);
    expect(transport.requests.slice(1).map((r) => r.request.bodySize)).toEqual([10, 10, 5]);
    expect(progressOf(events)).toEqual([10, 20, 25]);
    expect(events[events.length - 1]).toEqual({
      type: 'result',
      value: { location: LOCATION, filename: 'a.bin' },
    });
  });

  it('doubles each chunk after an accepted one up to maxChunkSize, and starts small again after a failure', async () => {
    const transport = new FakeTransport(
      server({
        4: { status: 503 },
        5: { status: 200, headers: { 'Upload-Offset': '14' } },
      }),
    );
    await run(transport, { chunkSize: 2, maxChunkSize: 8 });

    const sizes = transport.requests
      .filter((r) => r.request.method === 'PATCH')
      .map((r) => text(r.request.body).length);
    // 2, 4, 8 accepted; the next 8 fails; then 2, 4, 8 again from offset 14, and the last 1.
    expect(sizes).toEqual([2, 4, 8, 8, 2, 4, 5]);
    expect(transport.lines().filter((line) => line.startsWith('PATCH'))).toEqual([
      `PATCH ${LOCATION} @0`,
      `PATCH ${LOCATION} @2`,
      `PATCH ${LOCATION} @6`,
      `PATCH ${LOCATION} @14`,
      `PATCH ${LOCATION} @14`,
      `PATCH ${LOCATION} @16`,
      `PATCH ${LOCATION} @20`,
    ]);
  });

  it('grows from 10 MiB to 100 MiB chunks by default, and keeps a chunkSize that is given fixed', async () => {
    // 300 MiB announced; the bodies are empty stand-ins and the server counts `bodySize`.
    const big = { name: 'big.bin', size: 300 * 2 ** 20, seekable: true, open: async () => new Uint8Array(0) };
    const sizedServer = (request: TransportRequest): FakeReply =>
      request.method === 'POST'
        ? created
        : accepted(Number(request.headers?.['Upload-Offset']) + (request.bodySize ?? 0));
    const sizesOf = async (options: Partial<Parameters<typeof tusUpload>[1]>) => {
      const transport = new FakeTransport(sizedServer);
      await lastValueFrom(
        tusUpload(transport, { url: '/u/', source: big, retryDelayMs: 0, ...options }).pipe(toArray()),
      );
      return transport.requests
        .filter((r) => r.request.method === 'PATCH')
        .map((r) => (r.request.bodySize ?? 0) / 2 ** 20);
    };
    expect(await sizesOf({})).toEqual([10, 20, 40, 80, 100, 50]);
    expect(await sizesOf({ chunkSize: 100 * 2 ** 20 })).toEqual([100, 100, 100]);
  });

  it('reports progress inside a chunk from upload_progress events', async () => {
    const transport = new FakeTransport((request, index) => {
      if (index === 0) return created;
      const offset = Number(request.headers?.['Upload-Offset']);
      return { ...accepted(Math.min(25, offset + 10)), progress: [4, 10] };
    });
    const events = await run(transport);
    // 4 of the last 5-byte chunk is 24; its 10 is capped at the chunk's end, 25.
    expect(progressOf(events)).toEqual([4, 10, 14, 20, 24, 25]);
  });

  it('resumes after a 5xx from the offset HEAD reports, not from the start', async () => {
    const transport = new FakeTransport(
      server({
        2: { status: 503, progress: [7] },
        3: { status: 200, headers: { 'Upload-Offset': '15' } },
        4: { ...accepted(25), progress: [1, 5] },
      }),
    );
    const events = await run(transport);

    expect(transport.lines()).toEqual([
      'POST /api/tasks/1/data/',
      `PATCH ${LOCATION} @0`,
      `PATCH ${LOCATION} @10`,
      `HEAD ${LOCATION}`,
      `PATCH ${LOCATION} @15`,
    ]);
    expect(transport.requests[3].request.headers).toEqual({ 'Tus-Resumable': '1.0.0' });
    expect(text(transport.requests[4].request.body)).toBe('pqrstuvwxy');
    // 17 was reported before the failure; the resume at 15 does not move the bar back.
    expect(progressOf(events)).toEqual([10, 17, 20, 25]);
  });

  it('resumes after a 409 via HEAD', async () => {
    const transport = new FakeTransport(
      server({
        1: { status: 409, body: { detail: 'offset mismatch' } },
        2: { status: 200, headers: { 'Upload-Offset': '0' } },
      }),
    );
    await run(transport);
    expect(transport.lines()).toEqual([
      'POST /api/tasks/1/data/',
      `PATCH ${LOCATION} @0`,
      `HEAD ${LOCATION}`,
      `PATCH ${LOCATION} @0`,
      `PATCH ${LOCATION} @10`,
      `PATCH ${LOCATION} @20`,
    ]);
  });

  it('resumes after a connection reset in the middle of a chunk', async () => {
    const transport = new FakeTransport(
      server({ 2: { reset: true, progress: [3] }, 3: { status: 200, headers: { 'Upload-Offset': '12' } } }),
    );
    const events = await run(transport);
    expect(transport.lines().slice(2)).toEqual([
      `PATCH ${LOCATION} @10`,
      `HEAD ${LOCATION}`,
      `PATCH ${LOCATION} @12`,
      `PATCH ${LOCATION} @22`,
    ]);
    expect(text(transport.requests[4].request.body)).toBe('mnopqrstuv');
    expect(progressOf(events)).toEqual([10, 13, 22, 25]);
  });

  it('takes the offset from the failed response when it carries Upload-Offset', async () => {
    const transport = new FakeTransport(server({ 1: { status: 502, headers: { 'Upload-Offset': '5' } } }));
    await run(transport);
    expect(transport.lines().slice(1, 3)).toEqual([`PATCH ${LOCATION} @0`, `PATCH ${LOCATION} @5`]);
  });

  it('gives up when the retry budget (counted over the whole file) is spent', async () => {
    const transport = new FakeTransport((request, index) =>
      index === 0
        ? created
        : request.method === 'HEAD'
          ? { status: 200, headers: { 'Upload-Offset': '0' } }
          : { status: 500 },
    );
    const error = await run(transport, { maxRetries: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
    expect(transport.lines().filter((line) => line.startsWith('PATCH'))).toHaveLength(3);
    expect(transport.lines().filter((line) => line.startsWith('HEAD'))).toHaveLength(2);
  });

  it('does not retry a client error', async () => {
    const transport = new FakeTransport(server({ 1: { status: 403, body: { detail: 'denied' } } }));
    const error = await run(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(transport.lines()).toHaveLength(2);
  });

  it('fails on a non-201 create without sending chunks', async () => {
    const transport = new FakeTransport(server({ 0: { status: 413, body: { detail: 'too large' } } }));
    const error = await run(transport).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(413);
    expect(transport.lines()).toEqual(['POST /api/tasks/1/data/']);
  });

  it('moves a Location on another host (localhost) onto the configured origin', async () => {
    const transport = new FakeTransport(
      server({ 0: { status: 201, headers: { Location: 'http://localhost:8080/api/tasks/1/data/abc?x=1' } } }),
    );
    const events = await run(transport);
    expect(transport.lines()[1]).toBe('PATCH http://cvat.test:8080/api/tasks/1/data/abc?x=1 @0');
    expect(events[events.length - 1]).toEqual({
      type: 'result',
      value: { location: 'http://cvat.test:8080/api/tasks/1/data/abc?x=1', filename: 'a.bin' },
    });
  });

  it('resolves a relative Location against the create URL', async () => {
    const transport = new FakeTransport(server({ 0: { status: 201, headers: { Location: 'abc' } } }));
    await run(transport);
    expect(transport.lines()[1]).toBe('PATCH http://cvat.test:8080/api/tasks/1/data/abc @0');
  });

  it('rejects a create response without Location', async () => {
    const transport = new FakeTransport(server({ 0: { status: 201 } }));
    const error = await run(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as Error).message).toMatch(/no Location header/);
  });

  it('rejects an Upload-Offset that does not cover the chunk', async () => {
    const transport = new FakeTransport(server({ 1: accepted(4) }));
    const error = await run(transport).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Upload-Offset 4/);
    expect(transport.lines()).toHaveLength(2);
  });

  it('returns the stored name from Upload-Filename (backups are renamed)', async () => {
    const transport = new FakeTransport(
      server({ 0: { status: 201, headers: { Location: LOCATION, 'Upload-Filename': 'cvat-backup-x.zip' } } }),
    );
    const events = await run(transport);
    expect(events[events.length - 1]).toMatchObject({ value: { filename: 'cvat-backup-x.zip' } });
  });

  it('creates an empty file without any PATCH and reports 0 of 0', async () => {
    const transport = new FakeTransport(server());
    const events = await lastValueFrom(
      tusUpload(transport, { url: '/u/', source: fromBytes(new Uint8Array(0), 'e.txt') }).pipe(toArray()),
    );
    expect(transport.lines()).toEqual(['POST /u/']);
    expect(events[0]).toEqual({ type: 'progress', phase: 'upload', loaded: 0, total: 0 });
  });

  it('aborts the chunk in flight on unsubscribe and sends nothing more', async () => {
    const transport = new FakeTransport((request, index) =>
      index === 0 ? created : index === 1 ? accepted(10) : { hang: true },
    );
    const events: unknown[] = [];
    const subscription = tusUpload(transport, { url: '/u/', source: source(), chunkSize: 10 }).subscribe(
      (e) => events.push(e),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.lines()).toHaveLength(3);
    subscription.unsubscribe();
    expect(transport.requests[2].aborted).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.lines()).toHaveLength(3);
  });

  it('validates its options inside the stream', async () => {
    const transport = new FakeTransport(server());
    const upload$ = tusUpload(transport, { url: '/u/', source: source(), chunkSize: 0 });
    await expect(firstValueFrom(upload$)).rejects.toBeInstanceOf(UsageError);
    const shrinking$ = tusUpload(transport, { url: '/u/', source: source(), chunkSize: 8, maxChunkSize: 4 });
    await expect(firstValueFrom(shrinking$)).rejects.toThrow(/maximum chunk size 4/);
    expect(transport.requests).toHaveLength(0);
  });

  it('sends filetype metadata when the source knows its type, and encodes UTF-8 names', async () => {
    const transport = new FakeTransport(server());
    await lastValueFrom(
      tusUpload(transport, { url: '/u/', source: fromBytes(new Uint8Array(1), 'ü/猫.png', 'image/png') }),
    );
    expect(transport.requests[0].request.headers?.['Upload-Metadata']).toBe(
      `filename ${Buffer.from('ü/猫.png').toString('base64')},filetype ${Buffer.from('image/png').toString('base64')}`,
    );
    expect(encodeMetadata({ a: '' })).toBe('a ');
  });

  it('treats a network error on the create request as fatal (creation is not idempotent)', async () => {
    const transport = new FakeTransport(server({ 0: { reset: true } }));
    await expect(run(transport)).rejects.toBeInstanceOf(NetworkError);
    expect(transport.lines()).toHaveLength(1);
  });
});

describe('tusUpload retry delays', () => {
  afterEach(() => jest.useRealTimers());

  it('waits Retry-After on a 429, then the doubling delay, before resyncing', async () => {
    jest.useFakeTimers();
    const transport = new FakeTransport(
      server({
        1: { status: 429, headers: { 'Retry-After': '5' } },
        2: { status: 200, headers: { 'Upload-Offset': '0' } },
        3: { status: 503 },
        4: { status: 200, headers: { 'Upload-Offset': '0' } },
      }),
    );
    let done = false;
    tusUpload(transport, { url: '/u/', source: source(), chunkSize: 25 }).subscribe({
      complete: () => (done = true),
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(transport.lines()).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(4999);
    expect(transport.lines()).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    // HEAD, then the PATCH again, which fails with 503: the second failure waits 2 × 1000 ms.
    expect(transport.lines().slice(2)).toEqual([
      'HEAD http://cvat.test:8080/api/tasks/1/data/0b8d4f3e-0000-4000-8000-000000000001',
      expect.stringMatching(/^PATCH .* @0$/),
    ]);
    await jest.advanceTimersByTimeAsync(1999);
    expect(transport.lines()).toHaveLength(4);
    await jest.advanceTimersByTimeAsync(1);
    expect(transport.lines()).toHaveLength(6);
    expect(done).toBe(true);
  });
});
