import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { Readable } from 'node:stream';
import { ApiClient } from '../../src/api';
import { ApiError, DecodeError, UsageError } from '../../src/errors';
import type { RqId, TaskRead } from '../../src/models';
import type { TransportRequest } from '../../src/transport/types';
import { fakeTransport, type FakeReply } from './support/fake-transport';

// The fields TaskRead requires, plus a few optional ones.
const taskRead = {
  id: 3,
  name: 'cars',
  url: 'http://cvat.test/api/tasks/3',
  jobs: { count: 1, completed: 0, validation: null },
  labels: { url: 'http://cvat.test/api/labels?task_id=3' },
};

function setup(reply: (request: TransportRequest) => FakeReply = () => ({ status: 200, body: {} })) {
  const { transport, requests } = fakeTransport(reply);
  return { client: new ApiClient(transport), requests };
}

function formEntries(body: unknown): Array<[string, FormDataEntryValue]> {
  if (!(body instanceof FormData)) throw new Error('not a FormData body');
  return [...body.entries()];
}

describe('generated methods: requests', () => {
  it('is cold: nothing is sent before subscribe, and each subscription sends again', async () => {
    const { client, requests } = setup(() => ({ status: 200, body: { rq_id: 'r' } }));
    const call = client.requestsApi.retrieve({ id: 'export:task-1' });
    expect(requests).toHaveLength(0);
    await firstValueFrom(call).catch(() => undefined);
    await firstValueFrom(call).catch(() => undefined);
    expect(requests).toHaveLength(2);
  });

  it('percent-encodes path parameters and maps camelCase keys to wire names', async () => {
    const { client, requests } = setup(() => ({
      status: 200,
      body: { count: 0, next: null, previous: null, results: [] },
    }));
    await firstValueFrom(
      client.jobsApi.list({ taskId: 4, pageSize: 10, xOrganization: 'org one', sort: '-id' }),
    );
    expect(requests[0]).toMatchObject({
      method: 'GET',
      url: '/api/jobs',
      query: { task_id: 4, page_size: 10, sort: '-id' },
      operationId: 'jobs_list',
    });
    expect(requests[0]?.headers?.['X-Organization']).toBe('org one');

    await firstValueFrom(client.requestsApi.retrieve({ id: 'import:task 1/x' }), {
      defaultValue: undefined,
    }).catch(() => undefined);
    expect(requests[1]?.url).toBe('/api/requests/import%3Atask%201%2Fx');
  });

  it('reports a missing path parameter as a UsageError in the error channel, sending nothing', async () => {
    const { client, requests } = setup();
    const params: { id: number } = JSON.parse('{}');
    const call = () => client.tasksApi.retrieve(params);
    expect(call).not.toThrow();
    await expect(firstValueFrom(call())).rejects.toThrow(UsageError);
    await expect(firstValueFrom(call())).rejects.toThrow("tasks_retrieve: the parameter 'id' is required");
    expect(requests).toHaveLength(0);
  });

  it('reports a missing required body and a body the operation does not take', async () => {
    const { client, requests } = setup();
    const noBody: { body: { name: string } } = JSON.parse('{}');
    await expect(firstValueFrom(client.tasksApi.create(noBody))).rejects.toThrow(
      'the request body is required',
    );
    const extra: { id: number } = JSON.parse('{"id": 1, "body": {}}');
    await expect(firstValueFrom(client.tasksApi.retrieve(extra))).rejects.toThrow('takes no request body');
    expect(requests).toHaveLength(0);
  });

  it('sends JSON bodies with the declared content type', async () => {
    const { client, requests } = setup(() => ({ status: 201, body: taskRead }));
    await firstValueFrom(client.tasksApi.create({ body: { name: 'cars', labels: [{ name: 'car' }] } }));
    expect(requests[0]?.headers?.['Content-Type']).toBe('application/json');
    expect(requests[0]?.body).toEqual({ name: 'cars', labels: [{ name: 'car' }] });
  });

  it('refuses file content in a JSON-only body, naming where it is', async () => {
    const { client, requests } = setup();
    const body = JSON.parse('{"name": "x"}');
    body.labels = [{ name: new Blob(['x']) }];
    await expect(firstValueFrom(client.tasksApi.create({ body }))).rejects.toThrow('body.labels[0].name');
    expect(requests).toHaveLength(0);
  });

  it('switches to multipart when the body carries files, with lists as name[i] and objects as JSON', async () => {
    const { client, requests } = setup(() => ({ status: 202, body: { rq_id: 'r1' } }));
    const file = new File([new Uint8Array([1, 2])], 'a.jpg', { type: 'image/jpeg' });
    await firstValueFrom(
      client.tasksApi.createData({
        id: 5,
        uploadMultiple: true,
        body: {
          image_quality: 70,
          client_files: [file, new Uint8Array([3])],
          use_cache: false,
          job_file_mapping: [['a.jpg']],
        },
      }),
    );
    const sent = requests[0];
    expect(sent?.headers?.['Upload-Multiple']).toBe('true');
    expect(sent?.headers?.['Content-Type']).toBeUndefined();
    const entries = formEntries(sent?.body);
    expect(entries.map(([key]) => key)).toEqual([
      'image_quality',
      'client_files[0]',
      'client_files[1]',
      'use_cache',
      'job_file_mapping',
    ]);
    expect(entries[0]?.[1]).toBe('70');
    expect(entries[1]?.[1]).toBeInstanceOf(File);
    expect((entries[1]?.[1] as File).name).toBe('a.jpg');
    expect((entries[2]?.[1] as File).name).toBe('client_files[1]');
    expect(entries[3]?.[1]).toBe('false');
    expect(entries[4]?.[1]).toBe('[["a.jpg"]]');
  });

  it('uses the contentType option over the default', async () => {
    const { client, requests } = setup(() => ({ status: 202, body: { rq_id: 'r1' } }));
    await firstValueFrom(
      client.tasksApi.createData(
        { id: 5, body: { image_quality: 70, server_files: ['a.jpg', 'b.jpg'] } },
        { contentType: 'multipart/form-data' },
      ),
    );
    expect(formEntries(requests[0]?.body).map(([key, value]) => `${key}=${String(value)}`)).toEqual([
      'image_quality=70',
      'server_files[0]=a.jpg',
      'server_files[1]=b.jpg',
    ]);
  });

  it('refuses a Node stream inside a multipart form, with advice', async () => {
    const { client } = setup();
    const body = { image_quality: 70, client_files: [Readable.from(['x'])] };
    await expect(firstValueFrom(client.tasksApi.createData({ id: 1, body }))).rejects.toThrow(/openAsBlob/);
    await expect(
      firstValueFrom(client.tasksApi.createData({ id: 1, body }, { contentType: 'multipart/form-data' })),
    ).rejects.toThrow(UsageError);
  });
});

describe('generated methods: types follow the options', () => {
  it('types data by the codec, unknown with checkStatus: false, undefined with parseResponse: false', async () => {
    const { client } = setup(() => ({ status: 202, body: { rq_id: 'r' } }));
    const [rq] = await firstValueFrom(client.tasksApi.createDatasetExport({ id: 1, format: 'COCO 1.0' }));
    const typed: RqId = rq; // compile-time: the 202 codec's type
    const [loose] = await firstValueFrom(
      client.tasksApi.createDatasetExport({ id: 1, format: 'COCO 1.0' }, { checkStatus: false }),
    );
    const unknownData: unknown = loose;
    const [raw] = await firstValueFrom(client.tasksApi.createData({ id: 1 }, { parseResponse: false }));
    const nothing: undefined = raw;
    expect([typed, unknownData, nothing]).toEqual([{ rq_id: 'r' }, { rq_id: 'r' }, undefined]);
  });
});

describe('generated methods: responses', () => {
  it('emits [data, response] decoded with the status codec', async () => {
    const { client } = setup(() => ({ status: 201, body: { ...taskRead, future_field: { x: 1 } } }));
    const [task, response] = await firstValueFrom(client.tasksApi.create({ body: { name: 'cars' } }));
    const typed: TaskRead = task;
    expect(typed.name).toBe('cars');
    expect(response.status).toBe(201);
  });

  it('fails with a DecodeError naming the field when the server sends a wrong type', async () => {
    const { client } = setup(() => ({ status: 200, body: { ...taskRead, name: 42 } }));
    const error: unknown = await firstValueFrom(client.tasksApi.retrieve({ id: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).codecName).toBe('TaskRead');
    expect((error as DecodeError).operationId).toBe('tasks_retrieve');
    expect((error as DecodeError).issues).toEqual(['name: expected string, got 42']);
  });

  it('raises ApiError for non-2xx by default', async () => {
    const { client } = setup(() => ({ status: 404, body: { detail: 'Not found.' } }));
    const error: unknown = await firstValueFrom(client.tasksApi.retrieve({ id: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).operationId).toBe('tasks_retrieve');
  });

  it('with checkStatus: false emits non-2xx responses, decoded when the document declares a codec', async () => {
    const { client } = setup(() => ({ status: 409, body: { rq_id: 'export:1' } }));
    const [data, response] = await firstValueFrom(
      client.tasksApi.createDatasetExport({ id: 1, format: 'CVAT for images 1.1' }, { checkStatus: false }),
    );
    expect(response.status).toBe(409);
    expect(data).toEqual({ rq_id: 'export:1' });

    const other = setup(() => ({ status: 404, body: { detail: 'Not found.' } }));
    const [missing, notFound] = await firstValueFrom(
      other.client.tasksApi.retrieve({ id: 3 }, { checkStatus: false }),
    );
    expect(notFound.status).toBe(404);
    expect(missing).toBeUndefined();
  });

  it('with parseResponse: false emits undefined data and the raw body', async () => {
    const { client } = setup(() => ({ status: 202, body: 'not an rq id' }));
    const [data, response] = await firstValueFrom(
      client.tasksApi.createData({ id: 1, uploadStart: true }, { parseResponse: false, checkStatus: false }),
    );
    expect(data).toBeUndefined();
    expect(response.body).toBe('not an rq id');
  });

  it('asks for bytes where the document declares no JSON content', async () => {
    const { client, requests } = setup(() => ({ status: 200, body: new Uint8Array([1]) }));
    const [data] = await firstValueFrom(client.jobsApi.retrieveData({ id: 1, type: 'frame', number: 0 }));
    expect(requests[0]?.responseType).toBe('arraybuffer');
    expect(data).toEqual(new Uint8Array([1]));
  });

  it("with observe: 'events' emits the transport's events, then the decoded result", async () => {
    const { client } = setup(() => ({ status: 200, body: taskRead }));
    const events = await lastValueFrom(
      client.tasksApi.retrieve({ id: 3 }, { observe: 'events' }).pipe(toArray()),
    );
    expect(events.map((event) => event.type)).toEqual(['sent', 'result']);
    const last = events[1];
    expect(last?.type === 'result' ? last.value[0] : undefined).toMatchObject({ id: 3, name: 'cars' });
  });

  it("with observe: 'events' raises ApiError on a non-2xx response", async () => {
    const { client } = setup(() => ({ status: 500, body: 'boom' }));
    await expect(lastValueFrom(client.tasksApi.retrieve({ id: 3 }, { observe: 'events' }))).rejects.toThrow(
      ApiError,
    );
  });
});
