import { EMPTY, Observable, throwError } from 'rxjs';
import type { Created, TransferEvent } from '../../src/cli/backend';
import {
  ApiError,
  CancelledError,
  DecodeError,
  NetworkError,
  RequestFailedError,
  TimeoutError,
  UsageError,
} from '../../src/errors';
import { makeFakeFactory } from './fake-backend';
import { run } from './helpers';

const failing = (error: unknown) => ({ listTasks: () => throwError(() => error) });

describe('cvat-rx error reporting', () => {
  it.each([
    [
      'ApiError 401',
      3,
      new ApiError({
        status: 401,
        method: 'GET',
        url: 'http://localhost/api/tasks',
        body: { detail: 'Invalid credentials.' },
      }),
    ],
    ['ApiError 403', 3, new ApiError({ status: 403, method: 'GET', url: 'http://localhost/api/tasks' })],
    ['ApiError 404', 4, new ApiError({ status: 404, method: 'GET', url: 'http://localhost/api/tasks/9' })],
    ['ApiError 500', 4, new ApiError({ status: 500, method: 'GET', url: 'http://localhost/api/tasks' })],
    ['RequestFailedError', 4, new RequestFailedError({ requestId: 'rq-1', serverMessage: 'disk full' })],
    [
      'DecodeError',
      4,
      new DecodeError({ codecName: 'TaskRead', issues: ['id: expected number', 'name: expected string'] }),
    ],
    [
      'NetworkError',
      5,
      new NetworkError('connect ECONNREFUSED', {
        method: 'GET',
        url: 'http://localhost/api/tasks',
        code: 'ECONNREFUSED',
      }),
    ],
    ['TimeoutError', 5, new TimeoutError('no answer within 30000 ms', { timeoutMs: 30000 })],
    ['UsageError', 2, new UsageError('file a.jpg does not exist')],
    ['CancelledError', 1, new CancelledError('the server cancelled the request')],
    ['a plain Error', 1, new Error('unexpected')],
    ['a non-Error', 1, 'weird'],
  ])('%s → one stderr line and exit %d', async (_name, code, error) => {
    const r = await run(['task', 'ls'], { overrides: failing(error) });
    expect(r.code).toBe(code);
    expect(r.stderr.lines).toHaveLength(1);
    expect(r.stderr.lines[0]).toMatch(/^cvat-rx: error: \S/);
    expect(r.stderr.text).not.toContain('    at ');
    expect(r.stdout.text).toBe('');
  });

  it('a 401 names the server message and hints at the credentials', async () => {
    const error = new ApiError({
      status: 401,
      method: 'GET',
      url: 'http://localhost/api/tasks',
      body: { detail: 'Invalid credentials.' },
    });
    const r = await run(['task', 'ls'], { overrides: failing(error) });
    expect(r.stderr.lines[0]).toContain('401');
    expect(r.stderr.lines[0]).toContain('Invalid credentials.');
    expect(r.stderr.lines[0]).toContain('check --auth, PASS or CVAT_ACCESS_TOKEN');
  });

  it('folds a multi-line DecodeError into one line that keeps every issue', async () => {
    const error = new DecodeError({
      codecName: 'TaskRead',
      issues: ['id: expected number', 'name: expected string'],
    });
    const r = await run(['task', 'ls'], { overrides: failing(error) });
    expect(r.stderr.lines).toEqual([
      'cvat-rx: error: Invalid TaskRead: id: expected number; name: expected string',
    ]);
  });

  it('--debug adds the stack and the cause chain', async () => {
    const cause = new Error('socket hang up');
    const error = new NetworkError('request failed', { cause });
    const r = await run(['--debug', 'task', 'ls'], { overrides: failing(error) });
    expect(r.code).toBe(5);
    expect(r.stderr.text).toContain('cvat-rx: error: request failed');
    expect(r.stderr.text).toContain('    at ');
    expect(r.stderr.text).toContain('caused by:');
    expect(r.stderr.text).toContain('socket hang up');
  });

  it('an error thrown synchronously by connect() is reported like any other', async () => {
    const fake = makeFakeFactory();
    const factory = {
      ...fake.factory,
      connect: () => {
        throw new UsageError('invalid host');
      },
    };
    const r = await run(['task', 'ls'], { factory });
    expect(r.code).toBe(2);
    expect(r.stderr.lines).toEqual(['cvat-rx: error: invalid host']);
  });

  it('a transfer that ends without a result is a failure (exit 1), not a silent success', async () => {
    const r = await run(['task', 'create', 't', 'local', 'a.jpg'], {
      overrides: { createTask: () => EMPTY },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.text).toContain('without a result');
    expect(r.stdout.text).toBe('');
  });

  it('a failure after progress ends the progress display before the error line', async () => {
    const r = await run(['task', 'create', 't', 'local', 'a.jpg'], {
      overrides: {
        createTask: () =>
          new Observable<TransferEvent<Created>>((s) => {
            s.next({ type: 'progress', phase: 'upload', loaded: 1, total: 2 });
            s.error(new NetworkError('connection reset'));
          }),
      },
    });
    expect(r.code).toBe(5);
    expect(r.stderr.lines.at(-1)).toBe('cvat-rx: error: connection reset');
  });
});
