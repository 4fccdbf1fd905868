import path from 'node:path';
import * as prettier from 'prettier';
import type { SourceFiles } from './model-writer';

/** Formats every file with the repository's prettier settings, wherever the files will be written. */
export async function formatAll(files: SourceFiles, repoRoot: string): Promise<SourceFiles> {
  const config = (await prettier.resolveConfig(path.join(repoRoot, 'package.json'))) ?? {};
  const entries = await Promise.all(
    [...files].map(async ([file, source]) => {
      const formatted = await prettier.format(source, { ...config, parser: 'typescript', filepath: file });
      return [file, formatted] as const;
    }),
  );
  return new Map(entries);
}
