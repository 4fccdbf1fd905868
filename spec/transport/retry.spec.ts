import nock from 'nock';
import { lastValueFrom } from 'rxjs';
import { ApiError, NetworkError } from '../../src/errors';
import { collect, errorOf, HOST, makeTransport, useNock } from './helpers';

useNock();

// Tiny delays keep these wire tests fast; exact timing is asserted in virtual time (retry-policy.spec.ts).
const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

/** nock 14 needs a real Error instance to fail a request. */
function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

describe('retries on the wire', () => {
  it('repeats a GET answered 503 and 502, then returns the 200', async () => {
    const scope = nock(HOST)
      .get('/api/jobs/1')
      .reply(503)
      .get('/api/jobs/1')
      .reply(502)
      .get('/api/jobs/1')
      .reply(200, { id: 1 });
    const events = await collect(makeTransport({ retry }).events({ method: 'GET', url: '/api/jobs/1' }));
    expect(events.filter((e) => e.type === 'sent')).toEqual([
      { type: 'sent', attempt: 1 },
      { type: 'sent', attempt: 2 },
      { type: 'sent', attempt: 3 },
    ]);
    const responses = events.flatMap((e) => (e.type === 'response' ? [e.response.status] : []));
    expect(responses).toEqual([200]);
    expect(scope.isDone()).toBe(true);
  });

  it('honours Retry-After (capped by maxDelayMs) and stops after maxAttempts with ApiError', async () => {
    const scope = nock(HOST)
      .get('/api/tasks/1/data')
      .query(true)
      .times(3)
      .reply(429, { detail: 'busy' }, { 'Retry-After': '10' });
    const error = await errorOf(
      makeTransport({ retry }).request({
        method: 'GET',
        url: '/api/tasks/1/data',
        query: { type: 'chunk', number: 0 },
      }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect((error as ApiError).retryAfterMs).toBe(10_000);
    expect(scope.isDone()).toBe(true);
  });

  it('does not repeat a POST answered 503', async () => {
    const scope = nock(HOST).post('/api/tasks').reply(503, 'Service Unavailable');
    const error = await errorOf(
      makeTransport({ retry }).request({ method: 'POST', url: '/api/tasks', body: { name: 't' } }),
    );
    expect((error as ApiError).status).toBe(503);
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('does not repeat a POST that failed after sending', async () => {
    const scope = nock(HOST).post('/api/tasks').replyWithError(connectionReset());
    const second = nock(HOST).post('/api/tasks').reply(201, {});
    const error = await errorOf(
      makeTransport({ retry }).request({ method: 'POST', url: '/api/tasks', body: {} }),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('ECONNRESET');
    expect(scope.isDone()).toBe(true);
    expect(second.isDone()).toBe(false);
  });

  it('retries network errors of a GET', async () => {
    const scope = nock(HOST)
      .get('/api/users/self')
      .replyWithError(connectionReset())
      .get('/api/users/self')
      .reply(200, { username: 'admin' });
    const response = await lastValueFrom(
      makeTransport({ retry }).request({ method: 'GET', url: '/api/users/self' }),
    );
    expect(response.body).toEqual({ username: 'admin' });
    expect(scope.isDone()).toBe(true);
  });

  it('repeats a PATCH declared idempotent (TUS chunks), sending the same body again', async () => {
    const bodies: string[] = [];
    const scope = nock(HOST)
      .patch('/api/tasks/1/data/abc', (body: string) => {
        bodies.push(body);
        return true;
      })
      .reply(502)
      .patch('/api/tasks/1/data/abc', (body: string) => {
        bodies.push(body);
        return true;
      })
      .reply(204);
    const response = await lastValueFrom(
      makeTransport({ retry }).request({
        method: 'PATCH',
        url: '/api/tasks/1/data/abc',
        body: new TextEncoder().encode('chunk-bytes'),
        idempotent: true,
      }),
    );
    expect(response.status).toBe(204);
    expect(bodies).toEqual(['chunk-bytes', 'chunk-bytes']);
    expect(scope.isDone()).toBe(true);
  });

  it('never retries 4xx', async () => {
    const scope = nock(HOST).get('/api/tasks/5').reply(404, { detail: 'Not found.' });
    const error = await errorOf(makeTransport({ retry }).request({ method: 'GET', url: '/api/tasks/5' }));
    expect((error as ApiError).status).toBe(404);
    expect(scope.isDone()).toBe(true);
  });
});
