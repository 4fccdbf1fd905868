import nock from 'nock';
import { Configuration } from '../../../src/transport/configuration';
import { Transport } from '../../../src/transport/transport';

export const HOST = 'http://cvat.test:8080';

/** The real transport against the nock host, basic auth, jitter pinned to zero. */
export function wireTransport(): Transport {
  return new Transport(new Configuration({ host: HOST, username: 'alice', password: 's3cret' }), {
    random: () => 0,
  });
}

/** No real network; every test's interceptors consumed; nothing left for the next test. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(() => nock.enableNetConnect());
}

/** Every request nock saw in this test, as `METHOD path`, matched or not. */
export function recordRequests(): string[] {
  const seen: string[] = [];
  const listener = (req: { method?: string; path?: string }) => seen.push(`${req.method} ${req.path}`);
  beforeEach(() => {
    seen.length = 0;
    nock.emitter.on('no match', listener);
  });
  afterEach(() => {
    nock.emitter.removeListener('no match', listener);
  });
  return seen;
}

export const tick = () => new Promise((resolve) => setImmediate(resolve));
