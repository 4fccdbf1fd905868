import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// examples/angular (an injectable service and a component with a progress bar) checked against the
// BUILT package with Angular's own types: `tsc`, then the Angular compiler with strict templates.
const root = path.resolve(__dirname, '../..');
const project = path.join(root, 'examples/angular/tsconfig.json');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const ngc = path.join(root, 'node_modules/@angular/compiler-cli/bundles/src/bin/ngc.js');
const built = existsSync(path.join(root, 'dist/index.d.ts'));
const haveAngular = existsSync(path.join(root, 'node_modules/@angular/core/package.json'));
const ready = built && haveAngular;
if (!built) console.warn('spec/package/angular: dist/ is missing; run `npm run build` (npm test does)');
if (!haveAngular)
  console.warn('spec/package/angular: @angular/core is not installed; skipping the Angular example');

function run(args: string[]): void {
  try {
    execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const out = error as { stdout?: string; stderr?: string };
    throw new Error(`${args.join(' ')} failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
}

(ready ? describe : describe.skip)('the Angular example', () => {
  it('type-checks against the built package with tsc', () => {
    run([tsc, '-p', project, '--noEmit']);
  });

  (existsSync(ngc) ? it : it.skip)('compiles with the Angular compiler (strict templates)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'cvat-rx-ngc-'));
    try {
      run([ngc, '-p', project, '--outDir', out]);
      expect(readdirSync(out).sort()).toEqual(['app.config.js', 'upload.component.js']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
