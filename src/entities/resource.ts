import type * as t from 'io-ts';
import type { Observable } from 'rxjs';
import { defer, map } from 'rxjs';
import { DecodeError } from '../errors';
import { decodeOrThrow } from '../transport/decode';
import type { HttpMethod, QueryParams, TransportRequest } from '../transport/types';
import type { ClientContext } from './context';
import { toJson } from './json';
import { paginate } from '../pagination/paginate';
import { resolveListQuery } from './query';
import type { ListOptions } from './query';

/** A generated io-ts codec that decodes wire data into `A`. */
export type Codec<A> = t.Type<A, unknown, unknown>;

/** The shape every `Paginated…List` schema shares. */
export interface PageShape<A> {
  readonly count: number;
  readonly next?: string | null;
  readonly results: readonly A[];
}

/**
 * What the generic code needs to know of one CVAT collection: where it lives, how its objects and
 * pages decode, and how an object names itself. One small record per resource replaces thirteen
 * hand-written copies of create/retrieve/list/remove.
 */
export interface ResourceDescriptor<
  Read,
  Page extends PageShape<Read>,
  Id extends string | number = number,
> extends ModelDescriptor<Read, Id> {
  readonly page: Codec<Page>;
}

/** A collection's objects: how one decodes and names itself. */
export interface ModelDescriptor<Read, Id extends string | number = number> extends ResourceLocation {
  readonly read: Codec<Read>;
  /** The object's key on the wire (`id`, or `key` for invitations); absent in a decode is an error. */
  readonly idOf: (data: Read) => Id | undefined;
}

/** Where a collection lives on the wire. */
export interface ResourceLocation {
  /** The operationId prefix (`tasks` → `tasks_retrieve`). */
  readonly tag: string;
  /** The collection path, e.g. `/api/tasks`. */
  readonly path: string;
  /** Routes that must not carry the client's organization context. */
  readonly withoutOrganization?: boolean;
}

/** A request to a collection or one of its objects, named by its operationId. */
export function resourceRequest(
  d: ResourceLocation,
  method: HttpMethod,
  url: string,
  operation: string,
  extra: Partial<TransportRequest> = {},
): TransportRequest {
  return {
    method,
    url,
    operationId: `${d.tag}_${operation}`,
    ...(d.withoutOrganization ? { withoutOrganization: true } : {}),
    ...extra,
  };
}

export function itemUrl(d: { readonly path: string }, id: string | number): string {
  return `${d.path}/${encodeURIComponent(String(id))}`;
}

/** Sends a request and decodes its body with `codec`; one value, then complete. */
export function requestDecoded<A>(
  ctx: ClientContext,
  request: TransportRequest,
  codec: Codec<A>,
): Observable<A> {
  return defer(() => ctx.transport.request(request)).pipe(
    map((response) =>
      decodeOrThrow(codec, response.body, { operationId: request.operationId, status: response.status }),
    ),
  );
}

/** Sends a request whose answer has no body worth reading; emits `undefined` once. */
export function requestVoid(ctx: ClientContext, request: TransportRequest): Observable<void> {
  return defer(() => ctx.transport.request(request)).pipe(map(() => undefined));
}

/** The id of a decoded object; a missing one is a DecodeError, since nothing could be done with it. */
export function requireId<Read, Id extends string | number>(d: ModelDescriptor<Read, Id>, data: Read): Id {
  const id = d.idOf(data);
  if (id === undefined) {
    throw new DecodeError({
      codecName: d.read.name,
      issues: ['id: expected a value, got undefined'],
      operationId: d.tag,
    });
  }
  return id;
}

export function retrieveData<Read, Id extends string | number>(
  ctx: ClientContext,
  d: ModelDescriptor<Read, Id>,
  id: Id,
): Observable<Read> {
  return requestDecoded(ctx, resourceRequest(d, 'GET', itemUrl(d, id), 'retrieve'), d.read);
}

export function createData<Read, Id extends string | number>(
  ctx: ClientContext,
  d: ModelDescriptor<Read, Id>,
  spec: unknown,
): Observable<Read> {
  return defer(() =>
    requestDecoded(ctx, resourceRequest(d, 'POST', d.path, 'create', { body: toJson(spec) }), d.read),
  );
}

export function patchData<Read, Id extends string | number>(
  ctx: ClientContext,
  d: ModelDescriptor<Read, Id>,
  id: Id,
  patch: unknown,
): Observable<Read> {
  return defer(() =>
    requestDecoded(
      ctx,
      resourceRequest(d, 'PATCH', itemUrl(d, id), 'partial_update', { body: toJson(patch) }),
      d.read,
    ),
  );
}

export function removeData(ctx: ClientContext, d: ResourceLocation, id: string | number): Observable<void> {
  return requestVoid(ctx, resourceRequest(d, 'DELETE', itemUrl(d, id), 'destroy'));
}

/** One page of a collection (`page` is 1-based, as CVAT's pagination is). */
export function fetchPage<Read, Page extends PageShape<Read>, Id extends string | number>(
  ctx: ClientContext,
  d: ResourceDescriptor<Read, Page, Id>,
  query: QueryParams,
): Observable<Page> {
  return requestDecoded(ctx, resourceRequest(d, 'GET', d.path, 'list', { query }), d.page);
}

/**
 * The objects of a collection, one emission per item, pages fetched lazily by src/pagination:
 * `take(5)` costs one request. `fixed` parameters (a parent's id) override the caller's.
 */
export function listData<Read, Page extends PageShape<Read>, Id extends string | number>(
  ctx: ClientContext,
  d: ResourceDescriptor<Read, Page, Id>,
  query: ListOptions,
  fixed: QueryParams = {},
): Observable<Read> {
  return defer(() => {
    const { params, pageSize, prefetch } = resolveListQuery(query, ctx.pageSize, fixed);
    return paginate<Read>((page, size) => fetchPage(ctx, d, { ...params, page, page_size: size }), {
      pageSize,
      prefetch,
    });
  });
}
