import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { UsageError } from '../errors';
import type { SaveDestination } from '../entities/operations/platform';

/** The error code of a failed file-system call, if any. */
function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

async function makeFolder(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    const reason = codeOf(error) === 'EEXIST' || codeOf(error) === 'ENOTDIR' ? ': a file is in the way' : '';
    throw new UsageError(`Cannot create the folder "${directory}"${reason}`, { cause: error });
  }
}

/**
 * Checks where a download will go before anything is asked of the server, and creates the
 * missing parent folders, as cvat-sdk does (`mkdir(parents=True)`). A path that is a folder, or
 * ends with a separator, is a folder target: the file gets the name the server proposes.
 */
export async function prepareDestination(
  path: string,
  options: { readonly overwrite?: boolean },
): Promise<SaveDestination> {
  if (path === '') throw new UsageError('A download needs a file path or a folder');
  const full = resolve(path);
  const existing = await stat(full).catch(() => undefined);
  if (existing?.isDirectory() || path.endsWith('/') || path.endsWith(sep)) {
    if (!existing) await makeFolder(full);
    return { directory: full };
  }
  if (existing && options.overwrite !== true)
    throw new UsageError(`"${full}" already exists; pass overwrite: true to replace it`);
  await makeFolder(dirname(full));
  return { path: full };
}
