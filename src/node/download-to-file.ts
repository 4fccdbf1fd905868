import { existsSync, openSync, rmSync } from 'node:fs';
import { link, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Observable, defer, from, switchMap } from 'rxjs';
import { CvatError, NetworkError, TimeoutError, UsageError } from '../errors';
import type { TransportRequest } from '../transport/types';
import { filenameFromContentDisposition } from '../transfer/download';
import { header, integerHeader, isSuccess, unexpectedResponse } from '../transfer/http';
import type { TransferTransport } from '../transfer/http';
import type { TransferEvent } from '../transfer/progress';
import { redactUrl } from '../transport/redact';
import { FileWriter } from './file-writer';
import { tempPathFor } from './temp-name';

export interface DownloadToFileOptions {
  /** The file to write. Give this or `directory`. */
  readonly path?: string;
  /** A folder to write into, under the (sanitized) name from `Content-Disposition`. */
  readonly directory?: string;
  /** The name in `directory` when the server proposes none (default `download`). */
  readonly filename?: string;
  /** Replace an existing file (default false: an existing file is a UsageError). */
  readonly overwrite?: boolean;
  /** The longest silence while reading the body (default: the configuration's `timeouts.idleMs`). */
  readonly idleTimeoutMs?: number;
}

export interface DownloadedFile {
  /** The absolute path of the written file. */
  readonly path: string;
  readonly size: number;
  readonly contentType: string | undefined;
}

/**
 * Streams a response to disk through a temporary file in the target folder, renamed into place
 * when complete (atomically; without `overwrite`, a file that appeared meanwhile is not
 * replaced). A failure or an unsubscribe removes the temporary file: nothing partial is left.
 * Emits `download` progress (total from Content-Length when sent), then the result.
 */
export function downloadToFile(
  transport: TransferTransport,
  request: TransportRequest,
  options: DownloadToFileOptions,
): Observable<TransferEvent<DownloadedFile>> {
  return defer(() => from(prepare(options))).pipe(
    switchMap((target) => write(transport, request, options, target)),
  );
}

interface Target {
  readonly directory: string;
  /** Fixed by `path`, or chosen once the response headers arrive. */
  readonly path: string | undefined;
}

async function prepare(options: DownloadToFileOptions): Promise<Target> {
  if ((options.path === undefined) === (options.directory === undefined)) {
    throw new UsageError('downloadToFile needs either a path or a directory');
  }
  const path = options.path === undefined ? undefined : resolve(options.path);
  const directory = path === undefined ? resolve(options.directory ?? '.') : dirname(path);
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory())
    throw new UsageError(`Cannot download into "${directory}": not an existing directory`);
  if (path !== undefined) {
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory()) throw new UsageError(`Cannot download to "${path}": it is a directory`);
    if (existing && options.overwrite !== true) {
      throw new UsageError(`"${path}" already exists; pass overwrite: true to replace it`);
    }
  }
  return { directory, path };
}

function write(
  transport: TransferTransport,
  request: TransportRequest,
  options: DownloadToFileOptions,
  target: Target,
): Observable<TransferEvent<DownloadedFile>> {
  return new Observable<TransferEvent<DownloadedFile>>((subscriber) => {
    let temp: string | undefined;
    let committed = false;
    let body: Readable | undefined;
    let output: FileWriter | undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const idleMs = options.idleTimeoutMs ?? transport.configuration.timeouts?.idleMs ?? 300_000;
    // The transport hands a streamed body over at its headers; its silence is ours to watch. A
    // chunk only notes the time: the one timer re-arms itself for what is left when it fires.
    let lastData = 0;
    const watchIdle = (): void => {
      lastData = Date.now();
      if (idle === undefined) idle = setTimeout(checkIdle, idleMs);
    };
    const checkIdle = (): void => {
      const left = lastData + idleMs - Date.now();
      if (left > 0) {
        idle = setTimeout(checkIdle, left);
        return;
      }
      fail(
        new TimeoutError(`${request.method} ${redactUrl(request.url)}: no data within ${idleMs} ms`, {
          timeoutMs: idleMs,
        }),
      );
    };

    const discard = (): void => {
      clearTimeout(idle);
      body?.destroy();
      const partial = temp !== undefined && !committed ? temp : undefined;
      output?.destroy(() => {
        // Once closed (a write the thread pool is doing comes first); systems that cannot remove
        // an open file remove it here.
        if (partial !== undefined) rmSync(partial, { force: true });
      });
      if (partial !== undefined) {
        // Synchronous, so that no partial file outlives the unsubscribe or the error.
        try {
          rmSync(partial, { force: true });
        } catch {
          // Removed once the file is closed, above.
        }
      }
    };
    const fail = (error: unknown): void => {
      discard();
      subscriber.error(error);
    };

    const events = transport.events({ ...request, responseType: 'stream' }).subscribe({
      next: (event) => {
        if (event.type !== 'response' || body !== undefined) return;
        const response = event.response;
        if (!(response.body instanceof Readable)) {
          if (!isSuccess(response.status)) return fail(unexpectedResponse(response, request.operationId));
          return fail(new UsageError('The transport did not return a stream for responseType "stream"'));
        }
        body = response.body;
        if (!isSuccess(response.status))
          return fail(unexpectedResponse({ ...response, body: undefined }, request.operationId));

        const proposed = filenameFromContentDisposition(header(response.headers, 'content-disposition'));
        const final = target.path ?? join(target.directory, proposed ?? options.filename ?? 'download');
        if (options.overwrite !== true && existsSync(final)) {
          return fail(new UsageError(`"${final}" already exists; pass overwrite: true to replace it`));
        }
        temp = tempPathFor(final);
        try {
          // Opened synchronously so that an unsubscribe can never race the file's creation.
          output = new FileWriter(openSync(temp, 'wx'), (error) => fail(cannotWrite(final, error)));
        } catch (error) {
          temp = undefined;
          return fail(new UsageError(`Cannot write into "${target.directory}"`, { cause: error }));
        }

        const total = integerHeader(response.headers, 'content-length');
        let loaded = 0;
        const progress = (): TransferEvent<DownloadedFile> => ({
          type: 'progress',
          phase: 'download',
          loaded,
          ...(total === undefined ? {} : { total }),
        });
        subscriber.next(progress());
        watchIdle();
        const writer = output;
        const reading = body;
        reading.on('data', (chunk: Buffer) => {
          watchIdle();
          try {
            if (!writer.write(chunk)) {
              reading.pause();
              writer.onDrain(() => reading.resume());
            }
          } catch (error) {
            return fail(cannotWrite(final, error));
          }
          loaded += chunk.length;
          subscriber.next(progress());
        });

        // `finished` also rejects when the connection closes before the body's end.
        finished(reading)
          .then(
            () => writer.end(),
            (error: unknown) => {
              throw error instanceof CvatError
                ? error
                : new NetworkError('the download was interrupted', {
                    method: request.method,
                    url: request.url,
                    cause: error,
                  });
            },
          )
          .then(() => commit(temp ?? '', final, options.overwrite === true))
          .then(() => {
            committed = true;
            clearTimeout(idle);
            subscriber.next({
              type: 'result',
              value: { path: final, size: loaded, contentType: header(response.headers, 'content-type') },
            });
            subscriber.complete();
          })
          .catch((error: unknown) => {
            if (subscriber.closed) return;
            fail(error instanceof CvatError ? error : cannotWrite(final, error));
          });
      },
      error: (error: unknown) => fail(error),
    });

    return () => {
      events.unsubscribe();
      discard();
    };
  });
}

function cannotWrite(final: string, cause: unknown): UsageError {
  return new UsageError(`Cannot write "${final}"`, { cause });
}

/** Moves the finished temporary file into place; without overwrite, never replaces a file. */
async function commit(temp: string, final: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(temp, final);
  try {
    // link() fails if the target exists, with no window between the check and the write.
    await link(temp, final);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'EEXIST')
      throw new UsageError(`"${final}" already exists; pass overwrite: true to replace it`);
    // File systems without hard links: check, then rename.
    if (existsSync(final))
      throw new UsageError(`"${final}" already exists; pass overwrite: true to replace it`);
    return rename(temp, final);
  }
  await unlink(temp);
}
