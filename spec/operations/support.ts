import nock from 'nock';
import { makeClient } from '../../src/client';
import type { OperationsContext } from '../../src/entities/operations';
import { nodePlatform } from '../../src/node/platform';
import type { Interceptor } from '../../src/transport/types';

export const HOST = 'http://cvat.test:8080';

/** What the client sent, in order: `METHOD url?query [Upload-* headers]`. */
export interface Sent {
  readonly line: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A context on the nock host, the Node platform, polling without delays, and a log of requests. */
export function wireContext(): { ctx: OperationsContext; sent: Sent[] } {
  const sent: Sent[] = [];
  const log: Interceptor = (request, next) => {
    const query = Object.entries(request.query ?? {})
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('&');
    const marks = Object.keys(request.headers ?? {})
      .filter((name) => /^upload-(start|finish|multiple|length)$/i.test(name))
      .map((name) => name.toLowerCase());
    sent.push({
      line: `${request.method} ${request.url.replace(HOST, '')}${query ? `?${query}` : ''}${marks.length ? ` [${marks.join(',')}]` : ''}`,
      headers: request.headers ?? {},
    });
    return next(request);
  };
  const client = makeClient({
    host: HOST,
    credentials: { username: 'alice', password: 's3cret' },
    config: {
      polling: { minDelayMs: 0, maxDelayMs: 0 },
      transport: { interceptors: [log], retry: { baseDelayMs: 0, maxDelayMs: 0 } },
    },
  });
  return { ctx: { ...client.context, platform: nodePlatform }, sent };
}

export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(() => nock.enableNetConnect());
}

export const taskBody = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: `task ${id}`,
  size: 0,
  status: 'annotation',
  jobs: { count: 0, completed: 0, validation: 0 },
  labels: { url: `${HOST}/api/labels?task_id=${id}` },
  ...extra,
});

export const projectBody = (id: number) => ({
  id,
  name: `project ${id}`,
  tasks: { count: 0 },
  labels: { url: 'x' },
});

export const requestBody = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  status,
  message: '',
  progress: status === 'finished' ? 1 : 0,
  created_date: '2026-01-01T00:00:00Z',
  operation: { type: 'create:task', target: 'task', task_id: 1 },
  ...extra,
});

export const tick = () => new Promise((resolve) => setImmediate(resolve));
