import { createHash, randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { truncateUtf8, utf8Length } from '../transfer/names';

/** The longest file name (one path component) common file systems take, in bytes (ext4, APFS, NTFS). */
export const MAX_NAME_BYTES = 255;

/**
 * A temporary path for writing `final`, in the same folder so that the finished file is renamed
 * into place atomically: `.NAME.UUID.part`. A long NAME is shortened (at a character boundary)
 * and marked with a hash of the whole name, so that the temporary name always fits in
 * {@link MAX_NAME_BYTES} even when the final name itself is close to that limit.
 */
export function tempPathFor(final: string): string {
  const suffix = `.${randomUUID()}.part`;
  const name = basename(final);
  const room = MAX_NAME_BYTES - 1 - suffix.length;
  const kept =
    utf8Length(name) <= room
      ? name
      : `${truncateUtf8(name, room - 9)}~${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  return join(dirname(final), `.${kept}${suffix}`);
}
