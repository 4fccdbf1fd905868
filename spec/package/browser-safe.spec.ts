import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import path from 'node:path';

// Everything reachable from the package root must run in a browser: bundling it for the browser
// platform fails on any Node built-in it imports.
const root = path.resolve(__dirname, '../..');

describe('the package root', () => {
  it('imports no Node built-in module', async () => {
    const nodeImports: string[] = [];
    await build({
      entryPoints: [path.join(root, 'src/index.ts')],
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
