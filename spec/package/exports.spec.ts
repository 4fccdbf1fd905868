import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// `npm test` builds before jest runs; these checks load the package by its own name, as users do.
const root = path.resolve(__dirname, '../..');
const built = existsSync(path.join(root, 'dist/index.js'));
const describeBuilt = built ? describe : describe.skip;
if (!built)
  console.warn(
    'spec/package: dist/ is missing; run `npm run build` (npm test does) to check the exports map',
  );

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describeBuilt('the built package', () => {
  it('exposes CvatError and Configuration through import()', () => {
    const out = runNode([
      '--input-type=module',
      '-e',
      "const m = await import('cvat-rx'); console.log(typeof m.CvatError, typeof m.Configuration, new m.UsageError('x') instanceof m.CvatError)",
    ]);
    expect(out).toBe('function function true');
  });

  it('exposes CvatError and Configuration through require()', () => {
    const out = runNode([
      '-e',
      "const m = require('cvat-rx'); console.log(typeof m.CvatError, typeof m.Configuration, new m.UsageError('x') instanceof m.CvatError)",
    ]);
    expect(out).toBe('function function true');
  });

  it('ships type declarations for both module systems', () => {
    expect(existsSync(path.join(root, 'dist/index.d.ts'))).toBe(true);
    expect(existsSync(path.join(root, 'dist/index.d.cts'))).toBe(true);
  });
});
