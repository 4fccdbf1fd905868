import { statSync } from 'node:fs';
import type { DownloadSink, SavedFile } from '../entities/operations';
import { downloadToFile } from '../node/download-to-file';

/**
 * Where a command writes a downloaded file, as cvat-cli takes it: a file path, or a folder (or
 * nothing: the current folder) where the file gets the server's proposed name (Content-Disposition).
 */
export function outputTarget(filename: string, overwrite: boolean): string | DownloadSink<SavedFile> {
  const isFolder = filename === '' || statSync(filename, { throwIfNoEntry: false })?.isDirectory() === true;
  if (!isFolder) return filename;
  const directory = filename === '' ? '.' : filename;
  return (transport, request) => downloadToFile(transport, request, { directory, overwrite });
}
