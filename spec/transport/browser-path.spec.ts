import nock from 'nock';
import { lastValueFrom } from 'rxjs';
import { ApiError, UsageError } from '../../src/errors';
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

  it('refuses Node streams', async () => {
    const error = await errorOf(browser().request({ method: 'PUT', url: '/x', body: Readable.from(['a']) }));
    expect(error).toBeInstanceOf(UsageError);
  });
});
