import { lastValueFrom, toArray } from 'rxjs';
import { ApiError, UsageError } from '../../src/errors';
import { bulkUpload } from '../../src/transfer/bulk';
import { fromBytes } from '../../src/transfer/source';
import type { UploadSource } from '../../src/transfer/source';
import { uploadSession } from '../../src/transfer/upload-session';
import type { UploadSessionOptions, UploadSessionResult } from '../../src/transfer/upload-session';
import type { TransferEvent } from '../../src/transfer/progress';
import { WHOLE_READ_LIMIT, encodeForm } from '../../src/transport/multipart';
import type { MultipartBody, MultipartFile } from '../../src/transport/multipart';
import type { TransportRequest } from '../../src/transport/types';
import { FakeTransport } from './support/fake-transport';
import type { FakeReply } from './support/fake-transport';

const URL_ = '/api/tasks/7/data/';
const LOCATION = 'http://cvat.test:8080/api/tasks/7/data/5f0c3a8e-1111-4000-8000-000000000000';
const bytes = (n: number, fill = 97) => new Uint8Array(n).fill(fill);

function cvat(overrides: (request: TransportRequest) => FakeReply | undefined = () => undefined) {
  return (request: TransportRequest): FakeReply => {
    const special = overrides(request);
    if (special) return special;
    const h = request.headers ?? {};
    if (h['Upload-Start']) return { status: 202 };
    if (h['Upload-Finish']) return { status: 202, body: { rq_id: 'rq-1' } };
    if (h['Upload-Multiple']) return { status: 200, progress: [1, 1_000_000] };
    if (h['Upload-Length'])
      return { status: 201, headers: { Location: LOCATION, 'Upload-Filename': 'big.mp4' } };
    if (request.method === 'PATCH') {
      const offset = Number(h['Upload-Offset']);
      return { status: 204, headers: { 'Upload-Offset': String(offset + (request.bodySize ?? 0)) } };
    }
    return { status: 500 };
  };
}

function describeRequest({ request }: { request: TransportRequest }): string {
  const h = request.headers ?? {};
  const kind =
    ['Upload-Start', 'Upload-Multiple', 'Upload-Finish', 'Upload-Length'].find((k) => k in h) ?? '';
  const offset = h['Upload-Offset'] === undefined ? '' : `@${h['Upload-Offset']}`;
  return [request.method, request.url, kind + offset.trim()].filter(Boolean).join(' ');
}

const sources = () => [
  fromBytes(bytes(4), 'a.jpg'),
  fromBytes(bytes(12), 'big.mp4'),
  fromBytes(bytes(5), 'b.jpg'),
  fromBytes(bytes(6), 'c.jpg'),
];

const session = (transport: FakeTransport, options: Partial<UploadSessionOptions> = {}) =>
  lastValueFrom(
    uploadSession(transport, {
      url: URL_,
      sources: sources(),
      maxRequestSize: 10,
      concurrency: 1,
      tus: { chunkSize: 5, retryDelayMs: 0 },
      ...options,
    }).pipe(toArray()),
  );

const loadedOf = (events: readonly TransferEvent<UploadSessionResult>[]) =>
  events.flatMap((e) => (e.type === 'progress' ? [e.loaded] : []));

describe('uploadSession', () => {
  it('runs Upload-Start, bulk groups, TUS files and Upload-Finish in order', async () => {
    const transport = new FakeTransport(cvat());
    const events = await session(transport, {
      finishBody: { image_quality: 70, sorting_method: 'predefined' },
      bulkFields: { image_quality: 70 },
    });

    expect(transport.requests.map(describeRequest)).toEqual([
      `POST ${URL_} Upload-Start`,
      `POST ${URL_} Upload-Multiple`,
      `POST ${URL_} Upload-Multiple`,
      `POST ${URL_} Upload-Length`,
      `PATCH ${LOCATION} @0`,
      `PATCH ${LOCATION} @5`,
      `PATCH ${LOCATION} @10`,
      `POST ${URL_} Upload-Finish`,
    ]);
    const [start, bulk1, bulk2] = transport.requests.map((r) => r.request);
    expect(start.headers).toEqual({ 'Upload-Start': 'true' });
    expect(start.body).toBeUndefined();
    expect(bulk1.headers).toEqual({ 'Upload-Multiple': 'true' });
    const named = (body: unknown) =>
      (body as MultipartBody).entries.map((e) => ('value' in e ? [e.name, e.value] : [e.name, e.filename]));
    expect(named(bulk1.body)).toEqual([
      ['image_quality', '70'],
      ['client_files[0]', 'a.jpg'],
      ['client_files[1]', 'b.jpg'],
    ]);
    expect(named(bulk2.body)).toEqual([
      ['image_quality', '70'],
      ['client_files[0]', 'c.jpg'],
    ]);

    const finish = transport.requests[7].request;
    expect(finish.headers).toEqual({ 'Upload-Finish': 'true' });
    expect(finish.body).toEqual({
      image_quality: 70,
      sorting_method: 'predefined',
      upload_file_order: ['a.jpg', 'big.mp4', 'b.jpg', 'c.jpg'],
    });

    const last = events[events.length - 1];
    expect(last.type).toBe('result');
    if (last.type === 'result') {
      expect(last.value.rqId).toBe('rq-1');
      expect(last.value.filenames).toEqual(['a.jpg', 'big.mp4', 'b.jpg', 'c.jpg']);
      expect(last.value.response.status).toBe(202);
    }
  });

  it('adds upload_file_order only when asked or for predefined sorting', async () => {
    const plain = new FakeTransport(cvat());
    await session(plain, { finishBody: { image_quality: 70, sorting_method: 'natural' } });
    expect(plain.requests[plain.requests.length - 1].request.body).toEqual({
      image_quality: 70,
      sorting_method: 'natural',
    });
    const asked = new FakeTransport(cvat());
    await session(asked, { fileOrder: true });
    expect(asked.requests[asked.requests.length - 1].request.body).toEqual({
      upload_file_order: ['a.jpg', 'big.mp4', 'b.jpg', 'c.jpg'],
    });
    const none = new FakeTransport(cvat());
    await session(none);
    expect(none.requests[none.requests.length - 1].request.body).toBeUndefined();
  });

  it('reports one monotonic progress over all files, ending at the total before the result', async () => {
    const transport = new FakeTransport(cvat());
    const events = await session(transport);
    const loaded = loadedOf(events);
    expect(loaded[0]).toBe(0);
    expect(loaded[loaded.length - 1]).toBe(27);
    loaded.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(loaded[i]));
    expect(events.every((e) => e.type === 'result' || e.total === 27)).toBe(true);
    // The last progress event comes right before the result.
    expect(events[events.length - 2]).toEqual({ type: 'progress', phase: 'upload', loaded: 27, total: 27 });
    // Progress inside a bulk request is spread over the group's file bytes.
    expect(loaded).toContain(9);
  });

  it('sends every file by TUS in tus mode and echoes Upload-Filename into the finish query', async () => {
    const transport = new FakeTransport(cvat());
    const events = await lastValueFrom(
      uploadSession(transport, {
        url: '/api/tasks/backup/',
        sources: [fromBytes(bytes(3), 'task.zip')],
        mode: 'tus',
        query: { filename: 'task.zip' },
        filenameParam: 'filename',
      }).pipe(toArray()),
    );
    expect(transport.requests.map(describeRequest)).toEqual([
      'POST /api/tasks/backup/ Upload-Start',
      'POST /api/tasks/backup/ Upload-Length',
      `PATCH ${LOCATION} @0`,
      'POST /api/tasks/backup/ Upload-Finish',
    ]);
    expect(transport.requests[0].request.query).toEqual({ filename: 'task.zip' });
    expect(transport.requests[3].request.query).toEqual({ filename: 'big.mp4' });
    expect(events[events.length - 1]).toMatchObject({ type: 'result', value: { filenames: ['big.mp4'] } });
  });

  it('passes the import query (format, filename) to Start and Finish only', async () => {
    const transport = new FakeTransport(cvat());
    await lastValueFrom(
      uploadSession(transport, {
        url: '/api/tasks/3/annotations/',
        sources: [fromBytes(bytes(3), 'ann.zip')],
        mode: 'tus',
        query: { format: 'COCO 1.0', filename: 'ann.zip' },
      }),
    );
    const queries = transport.requests.map((r) => r.request.query);
    expect(queries).toEqual([
      { format: 'COCO 1.0', filename: 'ann.zip' },
      undefined,
      undefined,
      { format: 'COCO 1.0', filename: 'ann.zip' },
    ]);
  });

  it.each<[string, Partial<UploadSessionOptions>]>([
    ['no files', { sources: [] }],
    ['two files with one name', { sources: [fromBytes(bytes(1), 'x.jpg'), fromBytes(bytes(2), 'x.jpg')] }],
    ['a zero concurrency', { concurrency: 0 }],
    ['a filenameParam with several files', { filenameParam: 'filename' }],
    ['a bad chunk size', { tus: { chunkSize: -1 } }],
  ])('rejects %s with a UsageError before any request', async (_label, options) => {
    const transport = new FakeTransport(cvat());
    await expect(session(transport, options)).rejects.toBeInstanceOf(UsageError);
    expect(transport.requests).toHaveLength(0);
  });

  it('stops at a failed Upload-Start', async () => {
    const transport = new FakeTransport(
      cvat((r) => (r.headers?.['Upload-Start'] ? { status: 403 } : undefined)),
    );
    const error = await session(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(transport.requests).toHaveLength(1);
  });

  it('does not finish when a bulk request fails', async () => {
    const transport = new FakeTransport(
      cvat((r) =>
        r.headers?.['Upload-Multiple'] ? { status: 400, body: { detail: 'bad name' } } : undefined,
      ),
    );
    const error = await session(transport).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(400);
    expect(transport.requests.map(describeRequest)).toEqual([
      `POST ${URL_} Upload-Start`,
      `POST ${URL_} Upload-Multiple`,
    ]);
  });

  it('keeps at most `concurrency` transfers in flight', async () => {
    const transport = new FakeTransport((request) =>
      request.headers?.['Upload-Start'] ? { status: 202 } : { hang: true },
    );
    const subscription = uploadSession(transport, {
      url: URL_,
      sources: [fromBytes(bytes(4), 'a'), fromBytes(bytes(4), 'b'), fromBytes(bytes(4), 'c')],
      maxRequestSize: 4,
      concurrency: 2,
    }).subscribe({ error: () => undefined });
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.requests.map(describeRequest)).toEqual([
      `POST ${URL_} Upload-Start`,
      `POST ${URL_} Upload-Multiple`,
      `POST ${URL_} Upload-Multiple`,
    ]);
    subscription.unsubscribe();
    expect(transport.requests.slice(1).every((r) => r.aborted)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(transport.requests).toHaveLength(3);
  });
});

describe('bulkUpload', () => {
  it('takes small files through readInto (read when encoded, no Blob) and bigger ones as Blobs', async () => {
    const transport = new FakeTransport(cvat());
    const calls: string[] = [];
    const source = (name: string, size: number, type?: string): UploadSource => ({
      ...fromBytes(bytes(size), name, type),
      readInto: (target) => {
        calls.push(`read ${name}`);
        target.fill(49);
      },
      blob: () => {
        calls.push(`blob ${name}`);
        return Promise.resolve(new Blob([bytes(size)]));
      },
    });
    const sources = [source('a.jpg', 3, 'image/jpeg'), source('big.png', WHOLE_READ_LIMIT + 1)];
    await lastValueFrom(bulkUpload(transport, { url: URL_, sources }));
    expect(calls).toEqual(['blob big.png']);
    const body = transport.requests[0]!.request.body as MultipartBody;
    const [small, big] = body.entries as MultipartFile[];
    expect(small).toMatchObject({ filename: 'a.jpg', type: 'image/jpeg', content: { size: 3 } });
    expect(small!.content).not.toBeInstanceOf(Blob);
    expect(big!.content).toBeInstanceOf(Blob);
    const encoded: Uint8Array[] = [];
    for await (const chunk of encodeForm(body, 'B').chunks()) encoded.push(chunk);
    expect(calls).toEqual(['blob big.png', 'read a.jpg']);
    expect(Buffer.concat(encoded).toString('latin1')).toContain('Content-Type: image/jpeg\r\n\r\n111\r\n');
  });

  it('rejects a one-shot source, which cannot become a Blob', async () => {
    const transport = new FakeTransport(cvat());
    const oneShot = { name: 's', size: 1, seekable: false, open: () => Promise.resolve(new Uint8Array(1)) };
    await expect(
      lastValueFrom(bulkUpload(transport, { url: URL_, sources: [oneShot] })),
    ).rejects.toBeInstanceOf(UsageError);
    expect(transport.requests).toHaveLength(0);
  });
});
