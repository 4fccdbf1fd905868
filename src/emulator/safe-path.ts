import { realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { HttpError } from './errors';

/** A client-supplied name that could leave its folder: always a 400, never a write. */
export class UnsafePathError extends HttpError {
  constructor(readonly what: string) {
    super(400, [`${what} is not allowed: use a relative path without "..", "\\", a drive or empty parts.`]);
  }
}

export interface RelativeNameOptions {
  /** Share paths may start with "/" (CVAT lists the share from "/"); it is dropped. */
  leadingSlash?: boolean;
  /** Share directories may end with "/"; it is dropped. */
  trailingSlash?: boolean;
  /** Names an empty path (the root itself) as allowed, e.g. the share listing's "/". */
  allowRoot?: boolean;
}

// Control characters (NUL included) make names that differ on disk from what was checked.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_SEGMENT_BYTES = 255;
const DRIVE = /^[A-Za-z]:/;

/**
 * Checks a client-supplied relative name (archive entry, multipart filename, TUS filename, share or
 * cloud path) and returns it as clean "a/b/c" segments. Refuses absolute paths, drive letters,
 * backslashes, "." and ".." segments, empty segments, control characters and over-long segments,
 * so that joining it under a root can only land inside that root.
 */
export function checkRelativeName(name: string, options: RelativeNameOptions = {}): string {
  const shown = JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
  const refuse = (): never => {
    throw new UnsafePathError(`The path ${shown}`);
  };
  let rest = name;
  if (options.leadingSlash) rest = rest.replace(/^\/+/, '');
  if (options.trailingSlash) rest = rest.replace(/\/+$/, '');
  if (rest === '') return options.allowRoot ? '' : refuse();
  if (CONTROL.test(rest) || rest.includes('\\') || rest.startsWith('/') || DRIVE.test(rest)) refuse();
  // A colon is an ordinary character on POSIX file systems, a stream or drive separator on Windows.
  if (process.platform === 'win32' && rest.includes(':')) refuse();
  const segments = rest.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES) refuse();
  }
  return segments.join('/');
}

/** The absolute path of a checked relative name under `root` (see checkRelativeName). */
export function resolveUnder(root: string, name: string, options: RelativeNameOptions = {}): string {
  const clean = checkRelativeName(name, options);
  const base = resolve(root);
  const path = clean === '' ? base : join(base, ...clean.split('/'));
  // Belt and braces: the checks above already make this impossible.
  if (path !== base && !path.startsWith(base + sep)) throw new UnsafePathError(`The path ${name}`);
  return path;
}

/**
 * Like resolveUnder, for an existing folder the emulator does not own (the share): symbolic links
 * are followed and the real path must still be inside the real root. A missing path resolves as
 * is (the caller reports it as missing).
 */
export function resolveExistingUnder(root: string, name: string, options: RelativeNameOptions = {}): string {
  const path = resolveUnder(root, name, options);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return path;
  }
  const realRoot = realpathSync(resolve(root));
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new UnsafePathError(`The path ${name}`);
  return path;
}
