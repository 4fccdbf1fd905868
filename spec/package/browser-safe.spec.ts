import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import path from 'node:path';

// Everything reachable from the browser-safe entries (the package root, `cvat-rx/auto-annotation`)
// must run in a browser: bundling them for the browser platform fails on any Node built-in they import.
const root = path.resolve(__dirname, '../..');

const BROWSER_ENTRIES = ['src/index.ts', 'src/auto-annotation/index.ts'];

describe.each(BROWSER_ENTRIES)('the browser-safe entry %s', (entry) => {
  it('imports no Node built-in module', async () => {
    const nodeImports: string[] = [];
    await build({
      entryPoints: [path.join(root, entry)],
      bundle: true,
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'forbid-node-builtins',
          setup(pluginBuild) {
            pluginBuild.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
              if (isNodeBuiltin(args.path)) {
                nodeImports.push(`${args.path} (from ${path.relative(root, args.importer)})`);
                return { path: args.path, external: true };
              }
              return undefined;
            });
          },
        },
      ],
    });
    expect(nodeImports).toEqual([]);
  });
});

function isNodeBuiltin(specifier: string): boolean {
  const bare = specifier.replace(/^node:/, '');
  return specifier.startsWith('node:') || builtinModules.includes(bare);
}
