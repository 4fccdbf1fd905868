import nock from 'nock';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { lastValueFrom } from 'rxjs';
import { NetworkError } from '../../src/errors';
import type { TransportEvent, UploadProgressEvent, DownloadProgressEvent } from '../../src/transport/types';
import { collect, HOST, makeTransport, types, useNock } from './helpers';

useNock();

const MiB = 1024 * 1024;

function uploads(events: readonly TransportEvent[]): UploadProgressEvent[] {
  return events.filter((e): e is UploadProgressEvent => e.type === 'upload_progress');
}
function downloads(events: readonly TransportEvent[]): DownloadProgressEvent[] {
  return events.filter((e): e is DownloadProgressEvent => e.type === 'download_progress');
}

/** Upload events are monotonic, reach the total, and all come before the response headers. */
function expectUploadProgress(events: readonly TransportEvent[], total: number, minEvents: number): void {
  const progress = uploads(events);
  expect(progress.length).toBeGreaterThanOrEqual(minEvents);
  const loaded = progress.map((e) => e.loaded);
  expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
  expect(new Set(loaded).size).toBe(loaded.length);
  expect(progress[progress.length - 1]).toEqual({ type: 'upload_progress', loaded: total, total });
  const order = types(events);
  expect(order[0]).toBe('sent');
  expect(order.lastIndexOf('upload_progress')).toBeLessThan(order.indexOf('response_headers'));
  expect(order[order.length - 1]).toBe('response');
}

/** A nock reply that checks the length of the body it received. */
function acceptUpload(path: string, expectedLength: number, method: 'put' | 'post' | 'patch' = 'put') {
  let received = -1;
  const interceptor =
    method === 'put'
      ? nock(HOST).put(path)
      : method === 'post'
        ? nock(HOST).post(path)
        : nock(HOST).patch(path);
  const scope = interceptor.reply(function (_uri, body) {
    received = Buffer.byteLength(body as string, 'latin1');
    return [200, { ok: true, contentLength: this.req.headers['content-length'] }];
  });
  return { scope, received: () => received, expectedLength };
}

// nock hands the body to the reply as a string; latin1 keeps one char per byte.
const bytes = (n: number) => Buffer.alloc(n, 0x61);

describe('upload progress', () => {
  it('follows a multi-MB Buffer body in steps, ending at the total', async () => {
    const body = bytes(3 * MiB);
    const upload = acceptUpload('/api/uploads/buffer', body.length);
    const events = await collect(makeTransport().events({ method: 'PUT', url: '/api/uploads/buffer', body }));
    expectUploadProgress(events, body.length, 40);
    expect(upload.received()).toBe(body.length);
    expect(upload.scope.isDone()).toBe(true);
    const response = events[events.length - 1] as Extract<TransportEvent, { type: 'response' }>;
    expect(response.response.body).toEqual({ ok: true, contentLength: String(body.length) });
  });

  it('follows a Node Readable body (with bodySize as the total)', async () => {
    const total = 2 * MiB;
    async function* chunks() {
      for (let sent = 0; sent < total; sent += 100_000) yield bytes(Math.min(100_000, total - sent));
    }
    const upload = acceptUpload('/api/uploads/stream', total, 'post');
    const events = await collect(
      makeTransport().events({
        method: 'POST',
        url: '/api/uploads/stream',
        body: Readable.from(chunks()),
        bodySize: total,
      }),
    );
    expectUploadProgress(events, total, 10);
    expect(upload.received()).toBe(total);
    expect(upload.scope.isDone()).toBe(true);
  });

  it('fails a Node Readable body that ends before its bodySize, instead of leaving the server waiting', async () => {
    nock(HOST).post('/api/uploads/short').reply(200, {});
    const error: unknown = await lastValueFrom(
      makeTransport().events({
        method: 'POST',
        url: '/api/uploads/short',
        body: Readable.from([bytes(1000)]),
        bodySize: 5000,
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/the body ended after 1000 of the 5000 bytes announced/);
  });

  it('follows a Blob body', async () => {
    const blob = new Blob([bytes(MiB), bytes(MiB / 2)], { type: 'image/png' });
    let contentType: unknown;
    const scope = nock(HOST)
      .put('/api/uploads/blob')
      .reply(function (_uri, body) {
        contentType = this.req.headers['content-type'];
        return [200, { size: Buffer.byteLength(body as string, 'latin1') }];
      });
    const events = await collect(
      makeTransport().events({ method: 'PUT', url: '/api/uploads/blob', body: blob }),
    );
    expectUploadProgress(events, blob.size, 10);
    expect(contentType).toBe('image/png');
    expect(scope.isDone()).toBe(true);
  });

  it('streams FormData as multipart with an exact total', async () => {
    const form = new FormData();
    form.append('image_quality', '70');
    form.append('client_files[0]', new File([bytes(MiB)], 'a "quoted".jpg', { type: 'image/jpeg' }));
    form.append('client_files[1]', new Blob([bytes(1000)]));
    let received = '';
    let headers: Record<string, unknown> = {};
    const scope = nock(HOST)
      .post('/api/tasks/1/data/')
      .reply(function (_uri, body) {
        received = body as string;
        headers = this.req.headers;
        return [202, { rq_id: 'x' }];
      });
    const events = await collect(
      makeTransport().events({ method: 'POST', url: '/api/tasks/1/data/', body: form }),
    );
    const total = Number(headers['content-length']);
    expectUploadProgress(events, total, 10);
    expect(Buffer.byteLength(received, 'latin1')).toBe(total);
    const boundary = /boundary=(.+)$/.exec(String(headers['content-type']))![1]!;
    expect(
      received.startsWith(
        `--${boundary}\r\nContent-Disposition: form-data; name="image_quality"\r\n\r\n70\r\n`,
      ),
    ).toBe(true);
    expect(received).toContain(
      `name="client_files[0]"; filename="a %22quoted%22.jpg"\r\nContent-Type: image/jpeg\r\n\r\n${'a'.repeat(100)}`,
    );
    expect(received).toContain(
      'name="client_files[1]"; filename="blob"\r\nContent-Type: application/octet-stream',
    );
    expect(received.endsWith(`--${boundary}--\r\n`)).toBe(true);
    expect(scope.isDone()).toBe(true);
  });

  it('reports a small JSON body with one final event', async () => {
    const scope = nock(HOST).post('/api/projects').reply(201, {});
    const events = await collect(
      makeTransport().events({ method: 'POST', url: '/api/projects', body: { name: 'p' } }),
    );
    const size = Buffer.byteLength(JSON.stringify({ name: 'p' }));
    expect(uploads(events)).toEqual([{ type: 'upload_progress', loaded: size, total: size }]);
    expect(scope.isDone()).toBe(true);
  });

  it('emits no upload progress without a body', async () => {
    nock(HOST).get('/api/projects').reply(200, {});
    expect(uploads(await collect(makeTransport().events({ method: 'GET', url: '/api/projects' })))).toEqual(
      [],
    );
  });
});

describe('download progress', () => {
  it('counts the response as it arrives, ending at Content-Length', async () => {
    const total = MiB;
    const scope = nock(HOST)
      .get('/api/tasks/1/data')
      .query(true)
      .reply(
        200,
        () =>
          Readable.from(
            (function* () {
              for (let i = 0; i < 16; i++) yield bytes(total / 16);
            })(),
          ),
        { 'Content-Type': 'application/zip', 'Content-Length': String(total) },
      );
    const events = await collect(
      makeTransport().events({
        method: 'GET',
        url: '/api/tasks/1/data',
        query: { type: 'chunk', number: 0 },
        responseType: 'arraybuffer',
      }),
    );
    const progress = downloads(events);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.map((e) => e.loaded)).toEqual([...progress.map((e) => e.loaded)].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toEqual({ type: 'download_progress', loaded: total, total });
    const order = types(events);
    expect(order.indexOf('response_headers')).toBeLessThan(order.indexOf('download_progress'));
    const response = events[events.length - 1] as Extract<TransportEvent, { type: 'response' }>;
    expect(response.response.body).toBeInstanceOf(ArrayBuffer);
    expect((response.response.body as ArrayBuffer).byteLength).toBe(total);
    expect(scope.isDone()).toBe(true);
  });

  it('decompresses gzip and then reports no total (Content-Length counts compressed bytes)', async () => {
    const json = { results: Array.from({ length: 200 }, (_, id) => ({ id, name: `task ${id}` })) };
    const gz = gzipSync(Buffer.from(JSON.stringify(json)));
    nock(HOST)
      .get('/api/tasks')
      .reply(200, gz, {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'Content-Length': String(gz.length),
      });
    const events = await collect(makeTransport().events({ method: 'GET', url: '/api/tasks' }));
    const response = events[events.length - 1] as Extract<TransportEvent, { type: 'response' }>;
    expect(response.response.body).toEqual(json);
    for (const event of downloads(events)) expect(event.total).toBeUndefined();
  });

  it('hands over the stream for responseType stream', async () => {
    nock(HOST).get('/file').reply(200, 'streamed-bytes', { 'Content-Type': 'application/octet-stream' });
    const response = await lastValueFrom(
      makeTransport().request({ method: 'GET', url: '/file', responseType: 'stream' }),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as Readable) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('streamed-bytes');
  });

  it('reads text and blob response types', async () => {
    nock(HOST).get('/t').reply(200, '{"a":1}', { 'Content-Type': 'application/json' });
    nock(HOST).get('/b').reply(200, 'png-bytes', { 'Content-Type': 'image/png' });
    const transport = makeTransport();
    expect(
      (await lastValueFrom(transport.request({ method: 'GET', url: '/t', responseType: 'text' }))).body,
    ).toBe('{"a":1}');
    const blob = (await lastValueFrom(transport.request({ method: 'GET', url: '/b', responseType: 'blob' })))
      .body as Blob;
    expect(blob.type).toBe('image/png');
    expect(await blob.text()).toBe('png-bytes');
  });

  it('reads an error body as JSON even when a stream was asked for', async () => {
    nock(HOST).get('/file').reply(404, { detail: 'Not found.' });
    const response = await lastValueFrom(
      makeTransport().request(
        { method: 'GET', url: '/file', responseType: 'stream' },
        { checkStatus: false },
      ),
    );
    expect(response.body).toEqual({ detail: 'Not found.' });
  });
});
