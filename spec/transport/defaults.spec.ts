import nock from 'nock';
import { lastValueFrom } from 'rxjs';
import { ApiError } from '../../src/errors';
import { collect, errorOf, HOST, makeTransport, types, useNock } from './helpers';

useNock();

describe('defaults', () => {
  it('sends Accept: application/vnd.cvat+json and the configured headers, and parses the CVAT JSON type', async () => {
    const scope = nock(HOST, {
      reqheaders: { accept: 'application/vnd.cvat+json', 'x-extra': 'yes' },
    })
      .get('/api/server/about')
      .reply(200, { version: '2.73.1' }, { 'Content-Type': 'application/vnd.cvat+json' });
    const response = await lastValueFrom(
      makeTransport({ headers: { 'X-Extra': 'yes' } }).request({ method: 'GET', url: '/api/server/about' }),
    );
    expect(response.body).toEqual({ version: '2.73.1' });
    expect(response.status).toBe(200);
    expect(scope.isDone()).toBe(true);
  });

  it('emits sent, response_headers, download_progress, response in order', async () => {
    const scope = nock(HOST)
      .get('/api/tasks/')
      .reply(200, { count: 0 }, { 'Content-Type': 'application/json' });
    const events = await collect(makeTransport().events({ method: 'GET', url: '/api/tasks/' }));
    expect(types(events)).toEqual(['sent', 'response_headers', 'download_progress', 'response']);
    expect(scope.isDone()).toBe(true);
  });

  it('serializes JSON bodies with Content-Type application/json', async () => {
    const scope = nock(HOST, { reqheaders: { 'content-type': 'application/json' } })
      .post('/api/tasks', { name: 'mytask', labels: [{ name: 'car' }] })
      .reply(201, { id: 1 });
    const response = await lastValueFrom(
      makeTransport().request({
        method: 'POST',
        url: '/api/tasks',
        body: { name: 'mytask', labels: [{ name: 'car' }] },
      }),
    );
    expect(response.body).toEqual({ id: 1 });
    expect(scope.isDone()).toBe(true);
  });

  it('gives null for an empty JSON body and text for a non-JSON body', async () => {
    nock(HOST).delete('/api/tasks/1').reply(204);
    nock(HOST).get('/api/text').reply(200, 'hello', { 'Content-Type': 'text/plain' });
    const transport = makeTransport();
    expect(
      (await lastValueFrom(transport.request({ method: 'DELETE', url: '/api/tasks/1' }))).body,
    ).toBeNull();
    expect((await lastValueFrom(transport.request({ method: 'GET', url: '/api/text' }))).body).toBe('hello');
  });

  it('raises ApiError with the parsed body, headers and Retry-After', async () => {
    nock(HOST)
      .get('/api/tasks/9')
      .reply(429, { detail: 'Slow down.' }, { 'Retry-After': '7', 'Set-Cookie': 'sessionid=abc' });
    const error = await errorOf(
      makeTransport().request({ method: 'GET', url: '/api/tasks/9', operationId: 'tasks_retrieve' }),
    );
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(429);
    expect(apiError.body).toEqual({ detail: 'Slow down.' });
    expect(apiError.retryAfterMs).toBe(7000);
    expect(apiError.operationId).toBe('tasks_retrieve');
    expect(apiError.message).toContain('Slow down.');
    expect(apiError.headers['retry-after']).toBe('7');
    expect(apiError.headers['set-cookie']).toBeUndefined();
  });

  it('emits non-2xx responses with checkStatus: false', async () => {
    nock(HOST).get('/api/tasks/9').reply(404, { detail: 'Not found.' });
    const response = await lastValueFrom(
      makeTransport().request({ method: 'GET', url: '/api/tasks/9' }, { checkStatus: false }),
    );
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ detail: 'Not found.' });
  });
});
