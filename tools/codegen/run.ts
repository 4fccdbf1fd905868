import { formatAll } from './format';
import { generate } from './generate';
import { loadDocument } from './load';
import { writeAll } from './writer';

/** Generates, formats and writes every file; returns how many were written. */
export async function runCodegen(input: string, outRoot: string, repoRoot: string): Promise<number> {
  const document = await loadDocument(input);
  const files = await formatAll(generate(document), repoRoot);
  await writeAll(files, outRoot);
  return files.size;
}
