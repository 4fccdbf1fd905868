import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { badRequest } from '../errors';

/**
 * The one checked join for names that come from requests (bucket names, prefixes, file names
 * inside a cloud storage folder): absolute names, `..` segments, backslashes and NUL are refused,
 * and the result must stay inside `root` (also after following symbolic links, when it exists).
 * A bad name is a 400 on `field`.
 *
 * NOTE for the integrator: sec-emu is writing one checked path function for every archive,
 * upload and share name (#14 item 1); this one should become a call to it.
 */
export function checkedJoin(root: string, name: string, field: string): string {
  const base = resolve(root);
  const bad = (): never => {
    throw badRequest({ [field]: `"${name}" is not a valid path inside the storage.` });
  };
  if (name.includes('\0') || name.includes('\\') || isAbsolute(name)) bad();
  if (name.split('/').some((segment) => segment === '..')) bad();
  const joined = resolve(base, name);
  if (joined !== base && !joined.startsWith(base + sep)) bad();
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    return joined;
  }
  const realBase = realpathSync(base);
  if (real !== realBase && !real.startsWith(realBase + sep)) bad();
  return joined;
}
