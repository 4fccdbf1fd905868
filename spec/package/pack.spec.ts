import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The package as users get it: `npm pack`, then the tarball installed into a fresh project (from
 * npm's local cache: `npm ci` filled it), then `import`, `require`, the bin, and TypeScript with
 * `moduleResolution` node16 and bundler. Needs `npm run build` (npm test does) and npm itself.
 */
const root = path.resolve(__dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

interface PackedFile {
  readonly path: string;
}

const work = mkdtempSync(path.join(tmpdir(), 'cvat-rx-pack-'));
const packed = pack();

/** Packs at collection time so that an impossible pack skips the suite instead of failing it. */
function pack(): { tarball: string; files: string[] } | undefined {
  if (!existsSync(path.join(root, 'dist/index.js'))) {
    console.warn('spec/package/pack: dist/ is missing; run `npm run build` (npm test does)');
    return undefined;
  }
  try {
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [info] = JSON.parse(out) as Array<{ filename: string; files: PackedFile[] }>;
    return { tarball: path.join(work, info.filename), files: info.files.map((f) => f.path).sort() };
  } catch (error) {
    console.warn(`spec/package/pack: npm pack is not possible here, skipping: ${String(error)}`);
    return undefined;
  }
}

function sh(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const out = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

(packed ? describe : describe.skip)('the packed tarball', () => {
  const project = path.join(work, 'consumer');
  const files = packed?.files ?? [];

  beforeAll(() => {
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    // The dependencies come from npm's cache; the registry only when the cache lacks one.
    const rxjs = `rxjs@${rootPackage.devDependencies?.['rxjs'] ?? '7'}`;
    // Angular's core too, for the `cvat-rx/angular` consumer (an optional peer dependency).
    const angular = `@angular/core@${rootPackage.devDependencies?.['@angular/core'] ?? '22'}`;
    const install = (mode: string) =>
      sh(
        'npm',
        ['install', mode, '--no-audit', '--no-fund', '--ignore-scripts', packed!.tarball, rxjs, angular],
        project,
      );
    try {
      install('--offline');
    } catch {
      install('--prefer-offline');
    }
  });

  it('ships only the build, the bin, README.md, LICENSE and package.json', () => {
    const outside = files.filter(
      (f) =>
        !f.startsWith('dist/') &&
        !f.startsWith('bin/') &&
        !['README.md', 'LICENSE', 'package.json'].includes(f),
    );
    expect(outside).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'bin/cvat-rx.js']));
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('spec/'))).toBe(false);
  });

  it('ships every file its exports map names, typings included', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(project, 'node_modules/cvat-rx/package.json'), 'utf8'),
    ) as {
      exports: Record<string, unknown>;
    };
    const targets: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(manifest.exports);
    expect(targets).toEqual(
      expect.arrayContaining(['dist/index.d.ts', 'dist/index.d.cts', 'dist/models.d.ts']),
    );
    expect(targets.filter((t) => !files.includes(t))).toEqual([]);
  });

  it('declares rxjs as a peer dependency, not a dependency', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(project, 'node_modules/cvat-rx/package.json'), 'utf8'),
    ) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    expect(manifest.peerDependencies?.['rxjs']).toBe(rootPackage.peerDependencies?.['rxjs']);
    expect(manifest.dependencies?.['rxjs']).toBeUndefined();
  });

  it('works with import: a client logs in to the packaged emulator', () => {
    const script = [
      "import { makeClient, CvatError, UsageError } from 'cvat-rx';",
      "import { TaskRead } from 'cvat-rx/models';",
      "import { startEmulator } from 'cvat-rx/emulator';",
      "import { makeNodeClient } from 'cvat-rx/node';",
      "import { firstValueFrom } from 'rxjs';",
      'const emulator = await startEmulator({ port: 0 });',
      'try {',
      '  const client = await firstValueFrom(makeClient({ host: emulator.url }).login({ username: "admin", password: "admin" }));',
      '  const about = await firstValueFrom(client.about());',
      '  console.log(about.name, typeof TaskRead.decode, new UsageError("x") instanceof CvatError, typeof makeNodeClient);',
      '} finally { await emulator.close(); }',
    ].join('\n');
    writeFileSync(path.join(project, 'esm.mjs'), script);
    expect(sh(process.execPath, ['esm.mjs'], project)).toBe(
      'Computer Vision Annotation Tool function true function',
    );
  });

  it('works with require', () => {
    const script = [
      "const { makeClient, CvatError, UsageError } = require('cvat-rx');",
      "const { TaskRead } = require('cvat-rx/models');",
      "const { startEmulator } = require('cvat-rx/emulator');",
      "const client = makeClient({ host: 'http://localhost:8080' });",
      'console.log(typeof client.tasks.list, typeof TaskRead.decode, new UsageError("x") instanceof CvatError, typeof startEmulator);',
    ].join('\n');
    writeFileSync(path.join(project, 'cjs.cjs'), script);
    expect(sh(process.execPath, ['cjs.cjs'], project)).toBe('function function true function');
  });

  it('installs the cvat-rx command', () => {
    expect(sh(path.join(project, 'node_modules/.bin/cvat-rx'), ['--version'], project)).toBe(
      rootPackage.version,
    );
  });

  describe('in TypeScript', () => {
    const consumer = [
      "import { makeClient, CvatError, UsageError, toProgressView } from 'cvat-rx';",
      "import type { CvatClient, Task, TransferEvent } from 'cvat-rx';",
      "import { TaskRead } from 'cvat-rx/models';",
      "import { startEmulator } from 'cvat-rx/emulator';",
      "import type { Observable } from 'rxjs';",
      '',
      "const client: CvatClient = makeClient({ host: 'http://localhost:8080' });",
      'export const tasks: Observable<Task> = client.tasks.list();',
      'export const upload: Observable<TransferEvent<Task>> = client.tasks',
      "  .createFromData({ spec: { name: 'x', labels: [] }, resources: [] }, { observe: 'events' })",
      '  .pipe(toProgressView());',
      'export const decoded = TaskRead.is({});',
      'export const isError: boolean = new UsageError("x") instanceof CvatError;',
      'export const emulator = startEmulator;',
      '// The types are real, not `any`: a method that does not exist is an error.',
      '// @ts-expect-error',
      'client.tasks.noSuchMethod();',
      '',
    ].join('\n');
    const commonJs = [
      "import { makeClient } from 'cvat-rx';",
      "import type { CvatClient } from 'cvat-rx';",
      "export const client: CvatClient = makeClient({ host: 'http://localhost:8080' });",
      '',
    ].join('\n');

    function check(name: string, compilerOptions: Record<string, unknown>, sources: string[]): void {
      const config = {
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          // The emulator's typings name Node's http types, as in any Node project.
          typeRoots: [path.join(root, 'node_modules/@types')],
          types: ['node'],
          ...compilerOptions,
        },
        files: sources,
      };
      writeFileSync(path.join(project, `tsconfig.${name}.json`), JSON.stringify(config));
      sh(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], project);
    }

    beforeAll(() => {
      writeFileSync(path.join(project, 'consumer.ts'), consumer);
      writeFileSync(path.join(project, 'consumer-cjs.cts'), commonJs);
    });

    it('compiles with moduleResolution node16 (ESM and CommonJS files)', () => {
      // skipLibCheck off: the shipped .d.ts/.d.cts files must compile too.
      check('node16', { module: 'node16', moduleResolution: 'node16', skipLibCheck: false }, [
        'consumer.ts',
        'consumer-cjs.cts',
      ]);
    });

    it('compiles with moduleResolution bundler', () => {
      check('bundler', { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: false }, [
        'consumer.ts',
      ]);
    });

    it('compiles with moduleResolution node10 (module commonjs): every subpath through typesVersions', () => {
      const subpaths = [
        "import { makeClient } from 'cvat-rx';",
        "import { makeNodeClient, connectNode, connect } from 'cvat-rx/node';",
        "import { startEmulator } from 'cvat-rx/emulator';",
        "import { TaskRead } from 'cvat-rx/models';",
        // Not cvat-rx/angular: Angular's own typings need node16 or bundler resolution.
        'export const all = [makeClient, makeNodeClient, connectNode, connect, startEmulator, TaskRead];',
        '',
      ].join('\n');
      writeFileSync(path.join(project, 'node10.ts'), subpaths);
      check(
        'node10',
        {
          module: 'commonjs',
          moduleResolution: 'node10',
          ignoreDeprecations: '6.0',
          skipLibCheck: false,
        },
        ['node10.ts'],
      );
    });
  });

  describe('in a browser project: lib es2022 + dom, no @types/node, skipLibCheck false', () => {
    const browser = [
      "import { makeClient, toProgressView, isApiError } from 'cvat-rx';",
      "import type { CvatClient, Task, TransferEvent } from 'cvat-rx';",
      "import type { Observable } from 'rxjs';",
      '',
      "const client: CvatClient = makeClient({ host: 'https://cvat.example.com' });",
      'export function upload(files: readonly File[]): Observable<TransferEvent<Task>> {',
      '  return client.tasks',
      "    .createFromData({ spec: { name: 'x', labels: [{ name: 'car' }] }, resources: files }, { observe: 'events' })",
      '    .pipe(toProgressView());',
      '}',
      'export const guard = isApiError;',
      '',
    ].join('\n');
    const angular = [
      "import { Injector } from '@angular/core';",
      "import { CvatService, provideCvat } from 'cvat-rx/angular';",
      "const injector = Injector.create({ providers: [provideCvat({ host: 'https://cvat.example.com' })] });",
      'export const service: CvatService = injector.get(CvatService);',
      '',
    ].join('\n');

    it.each(['bundler'])('the root and cvat-rx/angular type-check (moduleResolution %s)', (resolution) => {
      writeFileSync(path.join(project, 'browser.ts'), browser);
      writeFileSync(path.join(project, 'angular-consumer.ts'), angular);
      const config = {
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          types: [],
          skipLibCheck: false,
          module: resolution === 'bundler' ? 'esnext' : 'node16',
          moduleResolution: resolution,
        },
        files: ['browser.ts', 'angular-consumer.ts'],
      };
      writeFileSync(path.join(project, `tsconfig.browser-${resolution}.json`), JSON.stringify(config));
      sh(process.execPath, [tsc, '-p', `tsconfig.browser-${resolution}.json`], project);
    });
  });

  it('cvat-rx/angular runs: provideCvat gives an injectable CvatService with a client', () => {
    const script = [
      "import { Injector } from '@angular/core';",
      "import { firstValueFrom } from 'rxjs';",
      "import { CvatService, provideCvat } from 'cvat-rx/angular';",
      "const injector = Injector.create({ providers: [provideCvat({ host: 'http://localhost:8080' })] });",
      'const service = injector.get(CvatService);',
      'const client = await firstValueFrom(service.client$);',
      'console.log(service instanceof CvatService, client.hasCredentials(), injector.get(CvatService) === service);',
    ].join('\n');
    writeFileSync(path.join(project, 'angular.mjs'), script);
    expect(sh(process.execPath, ['angular.mjs'], project)).toBe('true false true');
  });
});
