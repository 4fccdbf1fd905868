/**
 * Initialize step, part 2: the organization context (CVAT's iam middleware reads the
 * `X-Organization` header, or the `org` (slug) or `org_id` query parameter).
 *
 * - `organizationMode: 'header'` (default): `X-Organization: <slug>`; `''` sends an empty header,
 *   which CVAT reads as the personal workspace (as cvat-sdk does).
 * - `'org'`: `?org=<slug>` (`org=` for the personal workspace, as cvat-core does).
 * - `'org_id'`: `?org_id=<id>`; a slug that is not a number falls back to `org=<slug>`.
 * - A numeric organization in `header`/`org` mode is an id: it goes as `org_id`.
 *
 * Never two that conflict (CVAT answers 400): when the request already names an organization
 * (`org` or `org_id` in its query or URL, or an `X-Organization` header), nothing is added.
 * Skipped by `request.withoutOrganization` and for URLs on another origin.
 */
import type { Configuration } from './configuration';
import { hasHeader, withHeader } from './headers';
import { isSameOrigin, queryNamesIn } from './url';
import type { QueryParams, TransportRequest } from './types';

export function namesOrganization(request: TransportRequest): boolean {
  if (hasHeader(request.headers, 'X-Organization')) return true;
  const query: QueryParams = request.query ?? {};
  const present = (name: string) => query[name] !== undefined && query[name] !== null;
  if (present('org') || present('org_id')) return true;
  const inUrl = queryNamesIn(request.url);
  return inUrl.has('org') || inUrl.has('org_id');
}

/** The request with the configuration's organization applied (or unchanged, see the module notes). */
export function applyOrganization(configuration: Configuration, request: TransportRequest): TransportRequest {
  const organization = configuration.organization;
  if (organization === undefined || request.withoutOrganization) return request;
  if (!isSameOrigin(configuration.host, request.url) || namesOrganization(request)) return request;
  const mode = configuration.organizationMode;
  const withQuery = (name: string, value: string | number) => ({
    ...request,
    query: { ...request.query, [name]: value },
  });
  if (typeof organization === 'number') return withQuery('org_id', organization);
  if (mode === 'header') return withHeader(request, 'X-Organization', organization);
  if (mode === 'org_id' && /^\d+$/.test(organization)) return withQuery('org_id', Number(organization));
  return withQuery('org', organization);
}
