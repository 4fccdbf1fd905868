import { defineConfig } from 'tsup';

// Each library entry is a public subpath of the package (see "exports" in package.json):
// the browser-safe root, the generated models, the Node-only adapters and emulator, the
// browser-safe auto-annotation functions, and the Angular service (`@angular/core` is an optional
// peer dependency, left external).
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      models: 'src/models/index.ts',
      node: 'src/node/index.ts',
      emulator: 'src/emulator/index.ts',
      angular: 'src/angular/index.ts',
      'auto-annotation': 'src/auto-annotation/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    target: 'es2022',
  },
  {
    // The command line: one ESM file that bin/cvat-rx.js loads.
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    dts: false,
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: false,
    splitting: false,
    target: 'es2022',
  },
]);
