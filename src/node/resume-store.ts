import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ResumeStore, UploadRecord } from '../transfer/resume';
import { tempPathFor } from './temp-name';

/**
 * A resume store in a folder (created when needed): one JSON file per upload, written to a
 * temporary file and renamed into place, so a process killed mid-write leaves the previous
 * record whole. A file that cannot be read or parsed counts as no record.
 */
export function fileStore(directory: string): ResumeStore {
  const folder = resolve(directory);
  // Keys are `cvat-rx-upload:<scope>:<hash>:<n>`; keep them portable as file names.
  const pathOf = (key: string): string =>
    join(folder, `${key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200)}.json`);
  return {
    async get(key) {
      try {
        return JSON.parse(await readFile(pathOf(key), 'utf8')) as UploadRecord;
      } catch {
        return undefined;
      }
    },
    async set(key, record) {
      await mkdir(folder, { recursive: true });
      const path = pathOf(key);
      const temp = tempPathFor(path);
      try {
        await writeFile(temp, JSON.stringify(record), { flag: 'wx' });
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
