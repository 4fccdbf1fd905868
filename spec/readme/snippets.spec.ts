/**
 * Every TypeScript block of README.md, as written (#16 item 1). Plain `ts` blocks run in Node
 * (through tsx, as `npm start` runs the demo) against the embedded emulator, in a folder holding
 * `images/0001.jpg` and `images/0002.jpg`; `ts browser` and `ts angular` blocks are type-checked in
 * a DOM project without Node's types. The one substitution, documented in the README: the host
 * `https://cvat.example.com` becomes the emulator's URL (whose user is `me`/`secret`).
 * Needs the build (`npm run build`; npm test does): the blocks import `cvat-rx` by its name.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import jpegJs from 'jpeg-js';

const root = path.resolve(__dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const loader = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const built = existsSync(path.join(root, 'dist/index.js'));
if (!built) console.warn('spec/readme: dist/ is missing; run `npm run build` (npm test does)');
const run = promisify(execFile);

interface Snippet {
  readonly index: number;
  readonly kind: 'node' | 'browser' | 'angular';
  readonly code: string;
  /** The README line the block starts on, to name it. */
  readonly line: number;
}

function snippets(): Snippet[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const found: Snippet[] = [];
  const fence = /^```ts( browser| angular)?\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(readme); match; match = fence.exec(readme)) {
    const kind = match[1] === ' browser' ? 'browser' : match[1] === ' angular' ? 'angular' : 'node';
    const line = readme.slice(0, match.index).split('\n').length;
    found.push({ index: found.length, kind, code: match[2] ?? '', line });
  }
  return found;
}

const all = snippets();
const node = all.filter((s) => s.kind === 'node');
const dom = all.filter((s) => s.kind !== 'node');

(built ? describe : describe.skip)('README.md snippets', () => {
  let work: string;
  let emu: RunningEmulator;
  const file = (s: Snippet): string => `snippet-${s.index}.${s.kind === 'node' ? 'mts' : 'ts'}`;

  beforeAll(async () => {
    emu = await startEmulator({ users: [{ username: 'me', password: 'secret', is_superuser: true }] });
    work = mkdtempSync(path.join(tmpdir(), 'cvat-rx-readme-'));
    mkdirSync(path.join(work, 'images'));
    // Real JPEGs (the auto-annotation block decodes them).
    const image = jpegJs.encode({ width: 16, height: 16, data: Buffer.alloc(16 * 16 * 4, 128) }, 90).data;
    writeFileSync(path.join(work, 'images/0001.jpg'), image);
    writeFileSync(path.join(work, 'images/0002.jpg'), image);
    writeFileSync(
      path.join(work, 'package.json'),
      JSON.stringify({ name: 'readme', private: true, type: 'module' }),
    );
    // `cvat-rx` is this repository (its exports map points at dist/); rxjs and Angular are its own.
    mkdirSync(path.join(work, 'node_modules/@angular'), { recursive: true });
    symlinkSync(root, path.join(work, 'node_modules/cvat-rx'), 'dir');
    symlinkSync(path.join(root, 'node_modules/rxjs'), path.join(work, 'node_modules/rxjs'), 'dir');
    symlinkSync(
      path.join(root, 'node_modules/@angular/core'),
      path.join(work, 'node_modules/@angular/core'),
      'dir',
    );
    for (const s of all)
      writeFileSync(path.join(work, file(s)), s.code.replaceAll('https://cvat.example.com', emu.url));
  });

  afterAll(async () => {
    await emu?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has Node, browser and Angular blocks', () => {
    expect(node.length).toBeGreaterThanOrEqual(6);
    expect(dom.map((s) => s.kind).sort()).toEqual(['angular', 'browser']);
  });

  it.each(node.map((s) => [s.line, s] as const))(
    'the block at README.md:%i runs in Node',
    async (_line, s) => {
      const outcome = await run(process.execPath, ['--import', loader, file(s)], {
        cwd: work,
        encoding: 'utf8',
        timeout: 120_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number | string; stderr?: string }) => ({
          code: error.code ?? 'killed',
          stderr: error.stderr ?? '',
        }),
      );
      expect(outcome).toEqual({ code: 0, stderr: '' });
    },
  );

  it('the quick start wrote out/cars.zip (its missing folder created)', () => {
    expect(readFileSync(path.join(work, 'out/cars.zip')).subarray(0, 2).toString('latin1')).toBe('PK');
  });

  it('the Node blocks type-check (strict, nodenext)', async () => {
    writeFileSync(
      path.join(work, 'tsconfig.node.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2022'],
          typeRoots: [path.join(root, 'node_modules/@types')],
          types: ['node'],
          skipLibCheck: true,
        },
        files: node.map(file),
      }),
    );
    await expect(
      run(process.execPath, [tsc, '-p', 'tsconfig.node.json'], { cwd: work }),
    ).resolves.toBeDefined();
  });

  it('the browser and Angular blocks type-check with lib dom and no Node types', async () => {
    writeFileSync(
      path.join(work, 'tsconfig.dom.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['ES2022', 'DOM'],
          types: [],
          experimentalDecorators: true,
          skipLibCheck: true,
        },
        files: dom.map(file),
      }),
    );
    await expect(
      run(process.execPath, [tsc, '-p', 'tsconfig.dom.json'], { cwd: work }),
    ).resolves.toBeDefined();
  });
});
