import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCodegen } from './run';

/**
 * `npm run codegen [-- <schema path or URL>] [--out <dir>]`: reads CVAT's OpenAPI document and
 * writes src/models/generated and src/api/generated (under --out, default the repository root).
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function main(argv: readonly string[]): Promise<void> {
  let input = path.resolve(repoRoot, '../shared/cvat/schema.yml');
  let outRoot = repoRoot;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--out') outRoot = path.resolve(argv[(i += 1)] ?? '.');
    else if (/^https?:\/\//i.test(arg)) input = arg;
    else input = path.resolve(arg);
  }
  const started = performance.now();
  const count = await runCodegen(input, outRoot, repoRoot);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(
    `codegen: ${count} files from ${input} into ${path.relative(process.cwd(), outRoot) || '.'} in ${seconds} s`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
