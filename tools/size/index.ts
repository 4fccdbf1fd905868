/**
 * `npm run size`: the browser bundle of a small app that uses makeClient (tools/size/app.ts),
 * minified and gzipped, against the budget in measure.ts. Exits 1 over budget or when codecs the
 * app does not use were bundled (tree-shaking broke). Needs `npm run build`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBundle } from './measure';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const report = await measureBundle(root);
  console.log(`bundle of ${report.entry} (esbuild, platform browser, minified)`);
  for (const [origin, bytes] of report.breakdown) {
    if (bytes > 0) console.log(`  ${origin.padEnd(28)} ${kb(bytes).padStart(10)} minified`);
  }
  console.log(`minified:  ${kb(report.minifiedBytes)}`);
  console.log(`gzip -9:   ${kb(report.gzipBytes)} (budget ${kb(report.budgetBytes)})`);
  console.log(`codecs:    ${report.codecsBundled} of ${report.codecsTotal} generated codecs bundled`);
  let failed = false;
  if (report.gzipBytes > report.budgetBytes) {
    console.error(`over budget by ${kb(report.gzipBytes - report.budgetBytes)}`);
    failed = true;
  }
  if (report.unusedCodecsFound.length > 0) {
    console.error(`tree-shaking kept codecs the app does not use: ${report.unusedCodecsFound.join(', ')}`);
    failed = true;
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
