import nock from 'nock';
import { lastValueFrom } from 'rxjs';
import { applyOrganization } from '../../src/transport/organization';
import { Configuration } from '../../src/transport/configuration';
import { HOST, makeTransport, useNock } from './helpers';

useNock();

const config = (organization: string | number | undefined, organizationMode?: 'header' | 'org' | 'org_id') =>
  new Configuration({ host: HOST, organization, organizationMode });

describe('organization context on the wire', () => {
  it('header mode: X-Organization: <slug>', async () => {
    const scope = nock(HOST, { reqheaders: { 'x-organization': 'acme' } })
      .get('/api/tasks')
      .reply(200, {});
    await lastValueFrom(
      makeTransport({ organization: 'acme' }).request({ method: 'GET', url: '/api/tasks' }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it("header mode: '' sends an empty X-Organization (the personal workspace)", async () => {
    const scope = nock(HOST, { reqheaders: { 'x-organization': '' } })
      .get('/api/tasks')
      .reply(200, {});
    await lastValueFrom(makeTransport({ organization: '' }).request({ method: 'GET', url: '/api/tasks' }));
    expect(scope.isDone()).toBe(true);
  });

  it('org mode: ?org=<slug>, and org= for the personal workspace', async () => {
    const scope = nock(HOST, { badheaders: ['x-organization'] })
      .get('/api/tasks')
      .query({ org: 'acme', page: '1' })
      .reply(200, {})
      .get('/api/projects')
      .query({ org: '' })
      .reply(200, {});
    await lastValueFrom(
      makeTransport({ organization: 'acme', organizationMode: 'org' }).request({
        method: 'GET',
        url: '/api/tasks',
        query: { page: 1 },
      }),
    );
    await lastValueFrom(
      makeTransport({ organization: '', organizationMode: 'org' }).request({
        method: 'GET',
        url: '/api/projects',
      }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it('org_id mode: ?org_id=<id>', async () => {
    const scope = nock(HOST, { badheaders: ['x-organization'] })
      .get('/api/tasks')
      .query({ org_id: '7' })
      .reply(200, {});
    await lastValueFrom(
      makeTransport({ organization: 7, organizationMode: 'org_id' }).request({
        method: 'GET',
        url: '/api/tasks',
      }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it('adds nothing when the request names an organization itself', async () => {
    const scope = nock(HOST, { badheaders: ['x-organization'] })
      .post('/api/organizations')
      .query({ org: '' })
      .reply(201, {});
    await lastValueFrom(
      makeTransport({ organization: 'acme' }).request({
        method: 'POST',
        url: '/api/organizations',
        query: { org: '' },
        body: {},
      }),
    );
    expect(scope.isDone()).toBe(true);
  });

  it('withoutOrganization skips the context', async () => {
    const scope = nock(HOST, { badheaders: ['x-organization'] })
      .get('/api/server/about')
      .reply(200, {});
    await lastValueFrom(
      makeTransport({ organization: 'acme' }).request({
        method: 'GET',
        url: '/api/server/about',
        withoutOrganization: true,
      }),
    );
    expect(scope.isDone()).toBe(true);
  });
});

describe('applyOrganization', () => {
  const get = { method: 'GET' as const, url: '/api/tasks' };

  it('does nothing without an organization', () => {
    expect(applyOrganization(config(undefined), get)).toBe(get);
  });

  it('sends a numeric organization as org_id whatever the mode', () => {
    expect(applyOrganization(config(3), get).query).toEqual({ org_id: 3 });
    expect(applyOrganization(config(3, 'org'), get).query).toEqual({ org_id: 3 });
  });

  it('org_id mode falls back to org= for a slug', () => {
    expect(applyOrganization(config('acme', 'org_id'), get).query).toEqual({ org: 'acme' });
    expect(applyOrganization(config('12', 'org_id'), get).query).toEqual({ org_id: 12 });
  });

  it('never adds a second, conflicting selector', () => {
    for (const request of [
      { ...get, headers: { 'x-organization': 'other' } },
      { ...get, query: { org: 'other' } },
      { ...get, query: { org_id: 1 } },
      { ...get, url: '/api/tasks?org_id=1' },
      { ...get, url: '/api/tasks?org=' },
    ]) {
      for (const mode of ['header', 'org', 'org_id'] as const) {
        expect(applyOrganization(config('acme', mode), request)).toBe(request);
      }
    }
  });

  it('a null org query value does not count as naming an organization', () => {
    const out = applyOrganization(config('acme', 'org'), { ...get, query: { org: null } });
    expect(out.query).toEqual({ org: 'acme' });
  });

  it('leaves requests to other origins alone', () => {
    const request = { ...get, url: 'http://elsewhere.test/x' };
    expect(applyOrganization(config('acme'), request)).toBe(request);
  });
});
