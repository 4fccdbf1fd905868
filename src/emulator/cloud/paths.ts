import { resolveExistingUnder } from '../safe-path';

/**
 * A name from a request (bucket, prefix folder, file in a bucket) joined under `root` through the
 * emulator's one checked path function (safe-path.ts): absolute names, `..`, backslashes and
 * control characters are a 400, and after following symbolic links the result stays inside.
 * `''` (and a trailing `/`) name the root itself, as bucket listings use them.
 */
export function checkedJoin(root: string, name: string): string {
  return resolveExistingUnder(root, name, { trailingSlash: true, allowRoot: true });
}
