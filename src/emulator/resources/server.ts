import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { badRequest } from '../errors';
import { resolveExistingUnder, UnsafePathError } from '../safe-path';
import { FORMATS } from '../formats/registry';
import type { Emulator } from '../server';

export const EMULATED_VERSION = '2.73.1';

export function registerServer(emu: Emulator): void {
  emu.router
    .add(
      'GET',
      '/api/server/about',
      (ctx) =>
        ctx.json(200, {
          name: 'Computer Vision Annotation Tool',
          description:
            'CVAT is completely re-designed and re-implemented version of Video Annotation Tool from Irvine, California. (served by the cvat-rx emulator)',
          version: EMULATED_VERSION,
          logo_url: ctx.abs('/static/logo.svg'),
          subtitle: 'Emulated by cvat-rx',
        }),
      { public: true },
    )
    .add(
      'GET',
      '/api/server/health',
      (ctx) =>
        ctx.json(200, {
          status: 'ok',
          checks: { database: 'working', cache: 'working', storage: 'working' },
        }),
      { public: true },
    )
    .add('GET', '/api/server/plugins', (ctx) => ctx.json(200, { ANALYTICS: false, MODELS: false }))
    .add('GET', '/api/server/annotation/formats', (ctx) => {
      const entry = (f: (typeof FORMATS)[number]) => ({
        name: f.name,
        ext: f.ext,
        version: f.version,
        enabled: true,
        dimension: '2d',
      });
      ctx.json(200, {
        importers: FORMATS.filter((f) => f.import).map(entry),
        exporters: FORMATS.filter((f) => f.export).map(entry),
      });
    })
    .add('GET', '/api/server/share', (ctx) => {
      const root = ctx.emu.shareDir;
      if (!root) return ctx.json(200, []);
      let dir: string;
      try {
        dir = resolveExistingUnder(root, ctx.query.get('directory') ?? '', {
          leadingSlash: true,
          trailingSlash: true,
          allowRoot: true,
        });
      } catch (e) {
        if (e instanceof UnsafePathError)
          throw badRequest({ directory: 'The directory is outside of the share.' });
        throw e;
      }
      const search = ctx.query.get('search')?.toLowerCase();
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        throw badRequest({ directory: 'The directory does not exist.' });
      }
      const out = names
        .filter((n) => !search || n.toLowerCase().startsWith(search))
        .map((n) => {
          // A dangling link is listed as a file, as it cannot be opened as a folder.
          const st = statSync(join(dir, n), { throwIfNoEntry: false });
          return st?.isDirectory()
            ? { name: n, type: 'DIR', mime_type: 'DIR' }
            : { name: n, type: 'REG', mime_type: 'unknown' };
        });
      ctx.json(200, out);
    });
}
