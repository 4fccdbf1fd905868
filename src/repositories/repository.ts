import { type Observable, catchError, concatMap, defer, from, map, of, throwError, toArray } from 'rxjs';
import { ApiError } from '../errors';
import type { Wrap } from '../entities/base';
import { listEntities } from '../entities/base';
import type { ClientContext } from '../entities/context';
import type { ListOptions } from '../entities/query';
import { createData, removeData, retrieveData } from '../entities/resource';
import type { PageShape, ResourceDescriptor } from '../entities/resource';

/** What `removeByIds` did with one id. A 404 is reported, not raised, as CVAT's Python SDK does. */
export type RemoveOutcome<Id> =
  | { readonly id: Id; readonly outcome: 'deleted' }
  | { readonly id: Id; readonly outcome: 'not_found' }
  | { readonly id: Id; readonly outcome: 'failed'; readonly error: ApiError };

export interface Retrieving<E, Id> {
  /** One object by id (`GET /api/<res>/{id}`). */
  retrieve(id: Id): Observable<E>;
}

export interface Listing<E, Q> {
  /** The objects, one emission per item, pages fetched lazily: `take(5)` costs one request. */
  list(query?: Q): Observable<E>;
}

export interface Creating<E, Spec> {
  /** Creates an object (`POST /api/<res>`) and emits it. Server-side validation errors arrive as `ApiError` (see `fieldErrors`). */
  create(spec: Spec): Observable<E>;
}

export interface RemovingByIds<Id> {
  /**
   * Deletes objects one after another and emits one array with an outcome per id, in order:
   * `deleted`, `not_found` (404) or `failed` (another HTTP status, with its ApiError).
   * Errors without a response (network, timeout) end the stream in the error channel.
   */
  removeByIds(ids: readonly Id[]): Observable<RemoveOutcome<Id>[]>;
}

/** The operations every repository shares, built from one descriptor. */
export interface RepositoryOperations<E, Id> {
  retrieve(id: Id): Observable<E>;
  list(query?: ListOptions): Observable<E>;
  create(spec: unknown): Observable<E>;
  removeByIds(ids: readonly Id[]): Observable<RemoveOutcome<Id>[]>;
}

export function removeEach<Id extends string | number>(
  ctx: ClientContext,
  d: { readonly tag: string; readonly path: string; readonly withoutOrganization?: boolean },
  ids: readonly Id[],
): Observable<RemoveOutcome<Id>[]> {
  return defer(() => from([...ids])).pipe(
    concatMap((id) =>
      removeData(ctx, d, id).pipe(
        map((): RemoveOutcome<Id> => ({ id, outcome: 'deleted' })),
        catchError((error: unknown) => {
          if (!(error instanceof ApiError)) return throwError(() => error);
          return of<RemoveOutcome<Id>>(
            error.status === 404 ? { id, outcome: 'not_found' } : { id, outcome: 'failed', error },
          );
        }),
      ),
    ),
    toArray(),
  );
}

/**
 * The generic repository over one resource descriptor. Each repository type picks the operations
 * the server allows for its resource and narrows the spec and query types.
 */
export function repositoryOperations<Model, Page extends PageShape<Model>, Id extends string | number, E>(
  ctx: ClientContext,
  d: ResourceDescriptor<Model, Page, Id>,
  wrap: Wrap<Model, E>,
): RepositoryOperations<E, Id> {
  return {
    retrieve: (id) => retrieveData(ctx, d, id).pipe(map((model) => wrap(ctx, model))),
    list: (query = {}) => listEntities(ctx, d, wrap, query),
    create: (spec) => createData(ctx, d, spec).pipe(map((model) => wrap(ctx, model))),
    removeByIds: (ids) => removeEach(ctx, d, ids),
  };
}
