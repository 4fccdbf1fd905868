import nock from 'nock';
import { lastValueFrom } from 'rxjs';
import { ApiError, NetworkError, UsageError } from '../../src/errors';
import { MultipartBody } from '../../src/transport/multipart';
import { Readable } from 'node:stream';
import type { TransportEvent } from '../../src/transport/types';
import { collect, errorOf, HOST, makeTransport, types, useNock } from './helpers';

useNock();

// The browser code path (axios' own adapter and progress callbacks), exercised here in Node.
const browser = (init = {}) => makeTransport(init, { platform: 'browser' });

describe('the browser code path', () => {
  it('sends JSON, emits upload progress ending at the total, then the response', async () => {
    const scope = nock(HOST, {
      reqheaders: { 'content-type': 'application/json', accept: 'application/vnd.cvat+json' },
    })
      .post('/api/tasks', { name: 't' })
      .reply(201, { id: 3 }, { 'Content-Type': 'application/vnd.cvat+json' });
    const events = await collect(
      browser().events({ method: 'POST', url: '/api/tasks', body: { name: 't' } }),
    );
    const size = Buffer.byteLength('{"name":"t"}');
    const uploads = events.filter(
      (e): e is Extract<TransportEvent, { type: 'upload_progress' }> => e.type === 'upload_progress',
    );
    expect(uploads[uploads.length - 1]).toEqual({ type: 'upload_progress', loaded: size, total: size });
    const order = types(events);
    expect(order[0]).toBe('sent');
    expect(order.slice(-2)).toEqual(['response_headers', 'response']);
    const last = events[events.length - 1] as Extract<TransportEvent, { type: 'response' }>;
    expect(last.response.body).toEqual({ id: 3 });
    expect(scope.isDone()).toBe(true);
  });

  it('raises ApiError with the parsed body', async () => {
    nock(HOST).get('/api/tasks/1').reply(403, { detail: 'You do not have permission.' });
    const error = (await errorOf(browser().request({ method: 'GET', url: '/api/tasks/1' }))) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.body).toEqual({ detail: 'You do not have permission.' });
  });

  it('returns text and blob bodies', async () => {
    nock(HOST).get('/t').reply(200, 'hello', { 'Content-Type': 'text/plain' });
    expect(
      (await lastValueFrom(browser().request({ method: 'GET', url: '/t', responseType: 'text' }))).body,
    ).toBe('hello');
  });

  it('sends a MultipartBody as the FormData it becomes, files read whole included', async () => {
    let sent = '';
    const scope = nock(HOST)
      .post('/up', (body: unknown) => ((sent = String(body)), true))
      .reply(200, {});
    const body = new MultipartBody([
      { name: 'image_quality', value: '70' },
      {
        name: 'client_files[0]',
        filename: 'a.jpg',
        content: { size: 3, readInto: (t) => t.set([97, 98, 99]) },
      },
    ]);
    await lastValueFrom(browser().request({ method: 'POST', url: '/up', body }));
    expect(scope.isDone()).toBe(true);
    expect(sent).toMatch(/name="image_quality"\r\n\r\n70\r\n/);
    expect(sent).toMatch(
      /name="client_files\[0\]"; filename="a.jpg"\r\nContent-Type: application\/octet-stream\r\n\r\nabc\r\n/,
    );
  });

  it('fails a MultipartBody whose file cannot be read, before sending anything', async () => {
    const scope = nock(HOST).post('/up').reply(200, {});
    const body = new MultipartBody([
      {
        name: 'f',
        filename: 'a.jpg',
        content: { size: 3, readInto: () => Promise.reject(new Error('disk gone')) },
      },
    ]);
    const error = await errorOf(browser().request({ method: 'POST', url: '/up', body }));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/reading the request body failed/);
    expect(scope.isDone()).toBe(false);
    nock.cleanAll();
  });

  it('refuses Node streams', async () => {
    const error = await errorOf(browser().request({ method: 'PUT', url: '/x', body: Readable.from(['a']) }));
    expect(error).toBeInstanceOf(UsageError);
  });
});
