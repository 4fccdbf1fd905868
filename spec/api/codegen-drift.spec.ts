import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GENERATED_DIRS } from '../../tools/codegen/writer';
import { repoRoot, schemaPath } from './support/document';

// `npm run codegen` must reproduce the committed files byte for byte.
const present = existsSync(schemaPath);
if (!present) console.warn(`spec/api/codegen-drift: skipped, ${schemaPath} is absent`);
const describeWithSchema = present ? describe : describe.skip;

function listFiles(root: string, dir: string): string[] {
  const absolute = path.join(root, dir);
  return existsSync(absolute) ? readdirSync(absolute).sort() : [];
}

describeWithSchema('the committed generated code', () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'cvat-rx-codegen-'));
    execFileSync(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      ['tools/codegen/index.ts', schemaPath, '--out', out],
      { cwd: repoRoot, stdio: 'pipe' },
    );
  });
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it.each(GENERATED_DIRS.map((dir) => [dir]))('%s matches a fresh `npm run codegen` byte for byte', (dir) => {
    const fresh = listFiles(out, dir);
    expect(fresh.length).toBeGreaterThan(0);
    expect(listFiles(repoRoot, dir)).toEqual(fresh);
    const drifted = fresh.filter(
      (file) => !readFileSync(path.join(out, dir, file)).equals(readFileSync(path.join(repoRoot, dir, file))),
    );
    expect(drifted).toEqual([]);
  });
});
