import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BUDGET_GZIP_BYTES, measureBundle } from '../../tools/size/measure';

// `npm run size` as a test: the browser bundle of an app using makeClient stays within its budget,
// and tree-shaking keeps only the codecs an app uses (the generated codecs are marked pure).
const root = path.resolve(__dirname, '../..');
const built = existsSync(path.join(root, 'dist/index.js'));
if (!built) console.warn('spec/package/size: dist/ is missing; run `npm run build` (npm test does)');

(built ? describe : describe.skip)('the browser bundle', () => {
  it('is measured on an app that compiles against the built package', () => {
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tools/size/tsconfig.json'], {
        cwd: root,
        encoding: 'utf8',
      });
    } catch (error) {
      const out = error as { stdout?: string };
      throw new Error(`tools/size/app.ts does not compile against dist/:\n${out.stdout ?? ''}`);
    }
  });

  it('of an app using makeClient stays within the budget and leaves unused codecs out', async () => {
    const report = await measureBundle(root);
    expect(report.gzipBytes).toBeGreaterThan(0);
    expect(report.gzipBytes).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
    expect(report.unusedCodecsFound).toEqual([]);
    expect(report.codecsBundled).toBeGreaterThan(0);
    expect(report.codecsBundled).toBeLessThan(report.codecsTotal);
  });

  it('of an app that only configures a transport carries no generated codec at all', async () => {
    const report = await measureBundle(root, {
      source: [
        "import { Configuration, UsageError } from 'cvat-rx';",
        "console.log(new Configuration({ host: 'https://cvat.example.com' }), UsageError);",
      ].join('\n'),
    });
    expect(report.codecsBundled).toBe(0);
    expect(report.gzipBytes).toBeLessThan(8 * 1024);
  });

  it('of an app that only builds shapes with cvat-rx/auto-annotation stays small', async () => {
    const report = await measureBundle(root, {
      source: [
        "import { rectangle, labelSpec, encodeMask } from 'cvat-rx/auto-annotation';",
        "console.log(labelSpec('car', 1), rectangle(1, [0, 0, 1, 1]), encodeMask([1], 1, [0, 0, 0, 0]));",
      ].join('\n'),
    });
    expect(report.codecsBundled).toBe(0);
    expect(report.gzipBytes).toBeLessThan(8 * 1024);
  });
});
