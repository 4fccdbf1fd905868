import type { Observable } from 'rxjs';
import type { ClientContext } from '../entities/context';
import type { ListOptions } from '../entities/query';
import {
  createData,
  listData,
  patchData,
  removeData,
  retrieveData,
  requestDecoded,
  resourceRequest,
} from '../entities/resource';
import type { ResourceDescriptor } from '../entities/resource';
import { AccessTokenRead, PaginatedAccessTokenReadList } from '../models';
import type { AccessTokenWriteRequest, PatchedAccessTokenWriteRequest } from '../models';

export interface AccessTokenListQuery extends ListOptions {
  readonly name?: string;
  readonly read_only?: boolean;
}

/** Personal access tokens of the current user (`/api/auth/access_tokens`). */
export interface AccessTokensRepository {
  /** Creates a token; the emitted record carries its `value`, which the server never shows again. */
  create(spec: AccessTokenWriteRequest): Observable<AccessTokenRead>;
  list(query?: AccessTokenListQuery): Observable<AccessTokenRead>;
  retrieve(id: number): Observable<AccessTokenRead>;
  /** The token this client authenticates with (`…/self`; the client must use a token). */
  current(): Observable<AccessTokenRead>;
  /** Renames it or changes its expiry. */
  update(id: number, patch: PatchedAccessTokenWriteRequest): Observable<AccessTokenRead>;
  /** Revokes the token: it stops working at once. */
  revoke(id: number): Observable<void>;
}

const tokens: ResourceDescriptor<AccessTokenRead, PaginatedAccessTokenReadList> = {
  tag: 'auth',
  path: '/api/auth/access_tokens',
  read: AccessTokenRead,
  page: PaginatedAccessTokenReadList,
  idOf: (t) => t.id,
  withoutOrganization: true,
};

export function makeAccessTokensRepository(ctx: ClientContext): AccessTokensRepository {
  return {
    create: (spec) => createData(ctx, tokens, spec),
    list: (query = {}) => listData(ctx, tokens, query),
    retrieve: (id) => retrieveData(ctx, tokens, id),
    current: () =>
      requestDecoded(
        ctx,
        resourceRequest(tokens, 'GET', `${tokens.path}/self`, 'retrieve_access_tokens_self'),
        AccessTokenRead,
      ),
    update: (id, patch) => patchData(ctx, tokens, id, patch),
    revoke: (id) => removeData(ctx, tokens, id),
  };
}
