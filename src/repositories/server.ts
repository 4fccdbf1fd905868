import * as t from 'io-ts';
import { concat, concatMap, defer, from, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { ClientContext } from '../entities/context';
import { requestDecoded } from '../entities/resource';
import { About, DatasetFormats, FileInfo, Plugins } from '../models';

const FileInfoList = /*#__PURE__*/ t.array(FileInfo, 'FileInfo[]');

/** An entry of the server's share, with its path from the share's root. */
export interface ShareEntry extends FileInfo {
  /** `dir/sub/name` (no leading slash), as `server_files` takes it. */
  readonly path: string;
}

export interface ShareOptions {
  /** Walk into sub-folders, depth first, each listed only when reached. Default false. */
  readonly recursive?: boolean;
  /** Only names starting with this (the server's `search`, per folder). */
  readonly search?: string;
}

/** What the server says about itself. */
export interface ServerRepository {
  /** Name, description and version. */
  about(): Observable<About>;
  /** The dataset formats it imports and exports (`/api/server/annotation/formats`). */
  formats(): Observable<DatasetFormats>;
  /** Which optional parts it runs (`/api/server/plugins`). */
  plugins(): Observable<Plugins>;
  /**
   * The entries of a folder of the server's share (`/api/server/share`), one emission each; with
   * `recursive`, sub-folders follow their entry, each fetched only when the consumer gets there.
   */
  share(directory?: string, options?: ShareOptions): Observable<ShareEntry>;
}

function listFolder(
  ctx: ClientContext,
  directory: string,
  search: string | undefined,
): Observable<readonly FileInfo[]> {
  return requestDecoded(
    ctx,
    {
      method: 'GET',
      url: '/api/server/share',
      query: { directory: `/${directory}`, ...(search === undefined ? {} : { search }) },
      operationId: 'server_list_share',
    },
    FileInfoList,
  );
}

function walk(ctx: ClientContext, directory: string, options: ShareOptions): Observable<ShareEntry> {
  return listFolder(ctx, directory, options.search).pipe(
    concatMap((entries) => from(entries)),
    concatMap((entry) => {
      const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
      const self = of<ShareEntry>({ ...entry, path });
      if (!options.recursive || entry.type !== 'DIR') return self;
      return concat(
        self,
        defer(() => walk(ctx, path, options)),
      );
    }),
  );
}

export function makeServerRepository(ctx: ClientContext): ServerRepository {
  const get = <A>(url: string, operationId: string, codec: t.Type<A, unknown, unknown>) =>
    requestDecoded(ctx, { method: 'GET', url, operationId, withoutOrganization: true }, codec);
  return {
    about: () => get('/api/server/about', 'server_retrieve_about', About),
    formats: () =>
      get('/api/server/annotation/formats', 'server_retrieve_annotation_formats', DatasetFormats),
    plugins: () => get('/api/server/plugins', 'server_retrieve_plugins', Plugins),
    share: (directory = '', options = {}) =>
      defer(() => {
        if (typeof directory !== 'string') throw new UsageError('share: the directory must be a string');
        const start = directory.replace(/^\/+|\/+$/g, '');
        if (start.split('/').includes('..'))
          throw new UsageError('share: ".." is not allowed in the directory');
        return walk(ctx, start, options);
      }),
  };
}
