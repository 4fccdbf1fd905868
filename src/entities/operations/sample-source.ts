import { defer, map, of, switchMap, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { UsageError } from '../../errors';
import { DataMetaRead, Label, LabeledData, TaskRead } from '../../models';
import { annotationOperations } from '../annotations';
import { labels as labelsDescriptor, tasks } from '../descriptors';
import { listData, retrieveData } from '../resource';
import { chunk, meta } from './frames';
import type { FrameQuality } from './frames';
import type { OperationsContext } from '../context';
import type { TransferPlatform } from './platform';
import { platformOf } from './platform';

/** Where samples are cached (cvat-sdk's `cache_dir` and `UpdatePolicy.NEVER`). */
export interface SamplesCacheOptions {
  /** The cache folder (Node platform): `tasks/{id}/` holds the task, its meta, labels, annotations and chunks. */
  readonly dir: string;
  /** Never ask the server: everything must be cached already (a missing entry is a UsageError). */
  readonly offline?: boolean;
}

/** What samples are made of, read from the server or from the cache. */
export interface SampleSource {
  readonly meta: () => Observable<DataMetaRead>;
  readonly labels: () => Observable<readonly Label[]>;
  readonly annotations: () => Observable<LabeledData>;
  readonly chunk: (index: number) => Observable<Uint8Array>;
}

const Labels = /*#__PURE__*/ t.readonlyArray(Label);
const encoder = /*#__PURE__*/ new TextEncoder();
const decoder = /*#__PURE__*/ new TextDecoder();

function parseEntry<A>(bytes: Uint8Array, codec: t.Type<A, unknown, unknown>): A | undefined {
  try {
    const result = codec.decode(JSON.parse(decoder.decode(bytes)));
    return isRight(result) ? result.right : undefined;
  } catch {
    return undefined;
  }
}

/** The server itself, nothing kept. */
function serverSource(ctx: OperationsContext, taskId: number, quality: FrameQuality): SampleSource {
  return {
    meta: () => meta(ctx, 'tasks', taskId),
    labels: () => listData(ctx, labelsDescriptor, {}, { task_id: taskId }).pipe(toArray()),
    annotations: () => annotationOperations(ctx, tasks, taskId).getAnnotations(),
    chunk: (index) => chunk(ctx, 'tasks', taskId, index, { quality }),
  };
}

type CacheIo = Required<
  Pick<TransferPlatform, 'readFile' | 'writeFile' | 'joinPath' | 'makeDirectory' | 'removeDirectory'>
>;

function cacheIo(platform: TransferPlatform): CacheIo {
  const { readFile, writeFile, joinPath, makeDirectory, removeDirectory } = platform;
  if (!readFile || !writeFile || !joinPath || !makeDirectory || !removeDirectory) {
    throw new UsageError(
      "A samples cache folder needs the Node platform (makeNodeClient from 'cvat-rx/node')",
    );
  }
  return { readFile, writeFile, joinPath, makeDirectory, removeDirectory };
}

/**
 * The source behind a cache folder. Online, the task is fetched once: when its `updated_date`
 * differs from the cached one, the task's cache folder is removed before the new task is written
 * (so every entry left in it belongs to the current version), then each entry is read from the
 * cache or fetched and written (atomically). Offline, nothing is asked of the server.
 */
function cachedSource(
  ctx: OperationsContext,
  taskId: number,
  quality: FrameQuality,
  cache: SamplesCacheOptions,
): Observable<SampleSource> {
  return defer(() => {
    if (typeof cache.dir !== 'string' || cache.dir === '') throw new UsageError('cache.dir must be a folder');
    const io = cacheIo(platformOf(ctx));
    const server = serverSource(ctx, taskId, quality);
    const taskDir = io.joinPath(io.joinPath(cache.dir, 'tasks'), String(taskId));
    const path = (name: string) => io.joinPath(taskDir, name);
    // An entry that cannot be read back (cut short, hand-edited) counts as missing.
    const readJson = <A>(name: string, codec: t.Type<A, unknown, unknown>): Observable<A | undefined> =>
      io
        .readFile(path(name))
        .pipe(map((bytes) => (bytes === undefined ? undefined : parseEntry(bytes, codec))));
    const write = (name: string, bytes: Uint8Array) =>
      io.writeFile(path(name), bytes, { overwrite: true }).pipe(map(() => undefined));
    const entry = <A>(
      name: string,
      read: Observable<A | undefined>,
      fetch: () => Observable<A>,
      encode: (a: A) => Uint8Array,
    ) =>
      read.pipe(
        switchMap((cached) => {
          if (cached !== undefined) return of(cached);
          if (cache.offline) throw new UsageError(`Task ${taskId}: "${name}" is not in the cache (offline)`);
          return fetch().pipe(switchMap((value) => write(name, encode(value)).pipe(map(() => value))));
        }),
      );
    const json = <A>(name: string, codec: t.Type<A, unknown, unknown>, fetch: () => Observable<A>) =>
      entry(name, readJson(name, codec), fetch, (value) => encoder.encode(JSON.stringify(value)));
    const source: SampleSource = {
      meta: () => json('meta.json', DataMetaRead, server.meta),
      labels: () => json('labels.json', Labels, server.labels),
      annotations: () => json('annotations.json', LabeledData, server.annotations),
      chunk: (index) => {
        const name = `chunk-${quality}-${index}.zip`;
        return entry(
          name,
          io.readFile(path(name)),
          () => server.chunk(index),
          (bytes) => bytes,
        );
      },
    };
    const cachedTask = readJson('task.json', TaskRead);
    if (cache.offline) {
      return cachedTask.pipe(
        map((task) => {
          if (task === undefined) throw new UsageError(`Task ${taskId} is not in the cache (offline)`);
          return source;
        }),
      );
    }
    return retrieveData(ctx, tasks, taskId).pipe(
      switchMap((current) =>
        cachedTask.pipe(
          switchMap((previous) =>
            previous !== undefined && previous.updated_date === current.updated_date
              ? of(undefined)
              : io.removeDirectory(taskDir).pipe(
                  switchMap(() => io.makeDirectory(taskDir)),
                  switchMap(() => write('task.json', encoder.encode(JSON.stringify(current)))),
                ),
          ),
          map(() => source),
        ),
      ),
    );
  });
}

const TaskIds = /*#__PURE__*/ t.readonlyArray(t.number);

/**
 * The ids of a project's tasks, in order. With a cache folder they are kept in
 * `projects/{id}/tasks.json`: online the list is asked anew and rewritten, offline it is read
 * (not cached: a UsageError).
 */
export function projectTaskIds(
  ctx: OperationsContext,
  projectId: number,
  cache: SamplesCacheOptions | undefined,
): Observable<readonly number[]> {
  return defer(() => {
    const fetch = listData(ctx, tasks, {}, { project_id: projectId }).pipe(
      toArray(),
      map((list) => list.flatMap((task) => (task.id === undefined ? [] : [task.id])).sort((a, b) => a - b)),
    );
    if (cache === undefined) return fetch;
    if (typeof cache.dir !== 'string' || cache.dir === '') throw new UsageError('cache.dir must be a folder');
    const io = cacheIo(platformOf(ctx));
    const dir = io.joinPath(io.joinPath(cache.dir, 'projects'), String(projectId));
    const file = io.joinPath(dir, 'tasks.json');
    if (cache.offline) {
      return io.readFile(file).pipe(
        map((bytes) => {
          const ids = bytes === undefined ? undefined : parseEntry(bytes, TaskIds);
          if (ids === undefined) throw new UsageError(`Project ${projectId} is not in the cache (offline)`);
          return ids;
        }),
      );
    }
    return fetch.pipe(
      switchMap((ids) =>
        io.makeDirectory(dir).pipe(
          switchMap(() => io.writeFile(file, encoder.encode(JSON.stringify(ids)), { overwrite: true })),
          map(() => ids),
        ),
      ),
    );
  });
}

/** Where a task's samples come from: the server, or a cache folder in front of it. */
export function sampleSource(
  ctx: OperationsContext,
  taskId: number,
  quality: FrameQuality,
  cache: SamplesCacheOptions | undefined,
): Observable<SampleSource> {
  return cache === undefined
    ? of(serverSource(ctx, taskId, quality))
    : cachedSource(ctx, taskId, quality, cache);
}
