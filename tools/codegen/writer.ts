import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceFiles } from './model-writer';

/** The folders the generator owns entirely: stale files there are removed. */
export const GENERATED_DIRS = ['src/models/generated', 'src/api/generated'] as const;

export async function writeAll(files: SourceFiles, outRoot: string): Promise<void> {
  for (const dir of GENERATED_DIRS) {
    const absolute = path.join(outRoot, dir);
    await mkdir(absolute, { recursive: true });
    for (const entry of await readdir(absolute)) {
      if (!files.has(`${dir}/${entry}`))
        await rm(path.join(absolute, entry), { recursive: true, force: true });
    }
  }
  await Promise.all(
    [...files].map(async ([file, source]) => {
      const absolute = path.join(outRoot, file);
      await mkdir(path.dirname(absolute), { recursive: true });
      await writeFile(absolute, source);
    }),
  );
}
