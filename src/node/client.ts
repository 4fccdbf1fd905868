import type { Observable } from 'rxjs';
import { connect, makeClient } from '../client';
import type { ClientOptions, CvatClient } from '../client';
import type { DownloadSink, SavedFile } from '../entities/operations';
import { downloadToFile } from './download-to-file';
import { nodePlatform } from './platform';

/**
 * `makeClient` with the Node platform: uploads accept paths, Buffers and streams, and downloads
 * (`exportDataset(format, 'out.zip')`, `downloadBackup`, `downloadFrames`) are written to disk.
 */
export function makeNodeClient(options: ClientOptions): CvatClient {
  return makeClient({ ...options, config: { ...options.config, platform: nodePlatform } });
}

/**
 * `connect` with the Node platform: makes the client, logs in (password → token) and checks the
 * server's version, and the client reads file paths and writes downloads to disk.
 */
export function connectNode(options: ClientOptions): Observable<CvatClient> {
  return connect({ ...options, config: { ...options.config, platform: nodePlatform } });
}

/** A download sink that streams to `path` through a temporary file renamed on success. */
export function toFile(
  path: string,
  options: { readonly overwrite?: boolean } = {},
): DownloadSink<SavedFile> {
  return (transport, request) =>
    downloadToFile(transport, request, {
      path,
      ...(options.overwrite === undefined ? {} : { overwrite: options.overwrite }),
    });
}
