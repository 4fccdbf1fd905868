import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { makeClient } from '../../src/client';
import type { CvatClient } from '../../src/client';
import { RequestFailedError, UsageError } from '../../src/errors';
import * as s from '../client/samples';

const { HOST, page } = s;
const requestsQuery = { action: 'create', target: 'task', task_id: '1', page: '1', page_size: '100' };

describe('server requests: task.status$ and client.requests.watch', () => {
  let client: CvatClient;
  beforeAll(() => nock.disableNetConnect());
  beforeEach(() => {
    client = makeClient({
      host: HOST,
      credentials: { token: 'pat' },
      config: { transport: { retry: { maxAttempts: 1 } }, polling: { minDelayMs: 0, maxDelayMs: 0 } },
    });
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  const retrieveTask = async () => {
    nock(HOST).get('/api/tasks/1').reply(200, s.task(1));
    return firstValueFrom(client.tasks.retrieve(1));
  };

  it('task.status$ polls the Requests API for the task creation request until finished', async () => {
    const task = await retrieveTask();
    const sc = nock(HOST)
      .get('/api/requests')
      .query(requestsQuery)
      .reply(200, page([s.request('rq1', 'queued')]))
      .get('/api/requests')
      .query(requestsQuery)
      .reply(
        200,
        page([s.request('rq1', 'started', { progress: 0.5, message: 'Images are being compressed' })]),
      )
      .get('/api/requests')
      .query(requestsQuery)
      .reply(200, page([s.request('rq1', 'finished')]));
    const statuses = await lastValueFrom(task.status$.pipe(toArray()));
    expect(statuses.map((x) => [x.status, x.progress])).toEqual([
      ['queued', 0],
      ['started', 0.5],
      ['finished', 1],
    ]);
    expect(statuses[1]!.message).toBe('Images are being compressed');
    expect(sc.isDone()).toBe(true);
  });

  it('task.status$ picks the newest request of the task', async () => {
    const task = await retrieveTask();
    nock(HOST)
      .get('/api/requests')
      .query(requestsQuery)
      .reply(
        200,
        page([
          s.request('old', 'failed', { created_date: '2026-01-01T00:00:00Z' }),
          s.request('new', 'finished', { created_date: '2026-02-01T00:00:00Z' }),
        ]),
      );
    const last = await lastValueFrom(task.status$);
    expect(last.id).toBe('new');
  });

  it('subscribers of status$, of one snapshot or several, share one poll loop', async () => {
    const task = await retrieveTask();
    const again = await retrieveTask();
    let polls = 0;
    nock(HOST)
      .get('/api/requests')
      .query(requestsQuery)
      .times(2)
      .reply(200, () => {
        polls += 1;
        return page([s.request('rq1', polls === 1 ? 'started' : 'finished')]);
      });
    const [a, b, c] = await Promise.all([
      lastValueFrom(task.status$.pipe(toArray())),
      lastValueFrom(task.status$.pipe(toArray())),
      lastValueFrom(again.status$.pipe(toArray())),
    ]);
    expect(polls).toBe(2);
    expect(a.map((x) => x.status)).toEqual(['started', 'finished']);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('a failed request errors with RequestFailedError carrying the server message', async () => {
    const task = await retrieveTask();
    nock(HOST)
      .get('/api/requests')
      .query(requestsQuery)
      .reply(200, page([s.request('rq1', 'failed', { message: 'ValueError: no images' })]));
    const error = await lastValueFrom(task.status$).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestFailedError);
    expect(error).toMatchObject({ requestId: 'rq1', serverMessage: 'ValueError: no images' });
  });

  it('servers without the Requests API are polled on the legacy /api/tasks/{id}/status', async () => {
    const task = await retrieveTask();
    const sc = nock(HOST)
      .get('/api/requests')
      .query(requestsQuery)
      .reply(404, '<html>Not Found</html>', { 'Content-Type': 'text/html' })
      .get('/api/tasks/1/status')
      .reply(200, { state: 'Started', message: 'working', progress: 40 })
      .get('/api/tasks/1/status')
      .reply(200, { state: 'Finished', message: '' });
    const statuses = await lastValueFrom(task.status$.pipe(toArray()));
    expect(statuses.map((x) => [x.status, x.progress])).toEqual([
      ['started', 0.4],
      ['finished', undefined],
    ]);
    expect(sc.isDone()).toBe(true);
  });

  it('when the server remembers no request, a task with data counts as finished', async () => {
    const task = await retrieveTask();
    nock(HOST).get('/api/requests').query(requestsQuery).reply(200, page([]));
    nock(HOST)
      .get('/api/tasks/1')
      .reply(200, s.task(1, { size: 10 }));
    await expect(lastValueFrom(task.status$)).resolves.toMatchObject({ status: 'finished' });
  });

  it('…and a task without data is a UsageError instead of an endless poll', async () => {
    const task = await retrieveTask();
    nock(HOST).get('/api/requests').query(requestsQuery).reply(200, page([]));
    nock(HOST)
      .get('/api/tasks/1')
      .reply(200, s.task(1, { size: 0 }));
    await expect(lastValueFrom(task.status$)).rejects.toBeInstanceOf(UsageError);
  });

  it('requests.watch(rqId) polls GET /api/requests/{rq_id} at once, then until finished', async () => {
    const rq = 'action=import&target=task&id=1';
    const path = `/api/requests/${encodeURIComponent(rq)}`;
    const sc = nock(HOST)
      .get(path)
      .reply(200, s.request(rq, 'started', { progress: 0.1 }))
      .get(path)
      .reply(200, s.request(rq, 'started', { progress: 0.1 }))
      .get(path)
      .reply(200, s.request(rq, 'finished', { result_id: 12 }));
    const statuses = await lastValueFrom(client.requests.watch(rq).pipe(toArray()));
    // The repeated identical status is polled but not emitted again.
    expect(statuses.map((x) => x.status)).toEqual(['started', 'finished']);
    expect(statuses[1]!.resultId).toBe(12);
    expect(sc.isDone()).toBe(true);
  });

  it('requests.watch(rqId) fails at once on 404 (an unknown rq_id)', async () => {
    nock(HOST).get('/api/requests/nope').reply(404, { detail: 'Not found.' });
    await expect(lastValueFrom(client.requests.watch('nope'))).rejects.toMatchObject({
      name: 'ApiError',
      status: 404,
    });
  });
});
