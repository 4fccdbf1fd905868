import { defer, of, switchMap, type Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { CommandContext, CommandSpec } from './command-spec';
import { DEFAULT_SERVER, normalizeServer, storeFor } from './profiles';
import { serverUrl } from './server-url';

/** The store of a local command; the CLI always passes `env`. */
function store(ctx: CommandContext) {
  if (!ctx.env) throw new UsageError('profile commands need the environment');
  return storeFor(ctx.env);
}

const local = (body: (ctx: CommandContext) => Observable<unknown> | void) => (ctx: CommandContext) =>
  defer(() => body(ctx) ?? of(undefined));

/** `profile …` and `config default-server`, as cvat-cli 2.x has them (same store, same messages). */
export const PROFILE_COMMANDS: readonly CommandSpec[] = [
  {
    resource: 'profile',
    action: 'list',
    local: true,
    summary: 'list saved profiles, marking the default one',
    positionals: [],
    options: [{ name: 'quiet', kind: 'flag', help: 'print profile names only (one per line)' }],
    prepare: (args) => {
      const quiet = args.flag('quiet');
      return local((ctx) => {
        const doc = store(ctx).load();
        for (const name of Object.keys(doc.profiles).sort()) {
          if (quiet) ctx.out(name);
          else {
            const marker = name === doc.default_profile ? '(default)' : '';
            ctx.out(`${name}\t${doc.profiles[name]!.server}\t${marker}`.trimEnd());
          }
        }
      });
    },
  },
  {
    resource: 'profile',
    action: 'default',
    local: true,
    summary: 'print, set, or unset the default profile',
    positionals: [{ name: 'NAME', help: 'profile to make default', optional: true }],
    options: [{ name: 'unset', kind: 'flag', help: 'clear the default profile' }],
    prepare: (args, pos) => {
      const name = pos('NAME')[0];
      const unset = args.flag('unset');
      if (unset && name !== undefined) args.fail('Cannot combine a profile name with --unset.');
      return local((ctx) => {
        const s = store(ctx);
        if (unset) {
          s.update((doc) => delete doc.default_profile);
          ctx.out('Default profile cleared.');
        } else if (name !== undefined) {
          s.update((doc) => {
            if (!doc.profiles[name])
              throw new UsageError(`Unknown profile '${name}'. Run 'cvat-rx profile list'.`);
            doc.default_profile = name;
          });
          ctx.out(`Default profile is now "${name}".`);
        } else {
          const current = s.load().default_profile;
          if (current === undefined) throw new UsageError('No default profile is set.');
          ctx.out(current);
        }
      });
    },
  },
  {
    resource: 'profile',
    action: 'delete',
    local: true,
    summary: 'remove a saved profile (the token stays valid on the server)',
    positionals: [{ name: 'NAME', help: 'profile to remove' }],
    options: [],
    prepare: (_args, pos) => {
      const name = pos('NAME')[0] ?? '';
      return local((ctx) => {
        store(ctx).update((doc) => {
          if (!doc.profiles[name])
            throw new UsageError(`Unknown profile "${name}". Run "cvat-rx profile list".`);
          delete doc.profiles[name];
          if (doc.default_profile === name) delete doc.default_profile;
        });
        ctx.out(`Removed profile "${name}".`);
      });
    },
  },
  {
    resource: 'profile',
    action: 'create',
    local: true,
    summary: 'save a personal access token and its server as a profile (TOKEN is prompted for when left out)',
    positionals: [
      { name: 'NAME', help: 'profile name (unique)' },
      { name: 'TOKEN', help: 'personal access token (omit to be prompted)', optional: true },
    ],
    options: [
      { name: 'set-default', kind: 'flag', help: 'mark as the default profile' },
      { name: 'force', kind: 'flag', help: 'overwrite an existing profile' },
    ],
    prepare: (args, pos) => {
      const name = pos('NAME')[0] ?? '';
      if (name.trim() === '') args.fail('NAME: the profile name is empty');
      const given = pos('TOKEN')[0];
      const setDefault = args.flag('set-default');
      const force = args.flag('force');
      return (ctx) =>
        defer(() => {
          if (given !== undefined) return of(given);
          if (!ctx.readSecret) throw new UsageError('TOKEN is required');
          return ctx.readSecret('Personal Access Token (PAT): ');
        }).pipe(
          switchMap((token) =>
            local((c) => {
              if (!token) throw new UsageError('A non-empty PAT is required.');
              const s = store(c);
              const globals = c.globals;
              const server = normalizeServer(
                globals?.serverHostGiven ? serverUrl(globals) : (s.load().default_server ?? DEFAULT_SERVER),
              );
              let isDefault = false;
              s.update((doc) => {
                if (doc.profiles[name] && !force)
                  throw new UsageError(`Profile '${name}' already exists. Pass --force to overwrite.`);
                doc.profiles[name] = { server, token, created_date: new Date().toISOString() };
                if (setDefault) doc.default_profile = name;
                isDefault = doc.default_profile === name;
              });
              c.out(`Saved profile "${name}" for ${server}${isDefault ? ' (set as default)' : ''}.`);
            })(ctx),
          ),
        );
    },
  },
  {
    resource: 'config',
    action: 'default-server',
    local: true,
    summary: 'print, set, or unset the default server (used without --server-host and --profile)',
    positionals: [{ name: 'SERVER', help: 'server URL to remember', optional: true }],
    options: [{ name: 'unset', kind: 'flag', help: 'clear the saved default server' }],
    prepare: (args, pos) => {
      const server = pos('SERVER')[0];
      const unset = args.flag('unset');
      if (unset && server !== undefined) args.fail('Cannot combine a server value with --unset.');
      if (server !== undefined && server.trim() === '')
        args.fail('Default server cannot be empty. Use --unset to clear it.');
      return local((ctx) => {
        const s = store(ctx);
        if (unset) {
          s.update((doc) => delete doc.default_server);
          ctx.out('Default server cleared.');
        } else if (server !== undefined) {
          s.update((doc) => {
            doc.default_server = server;
          });
          ctx.out(`Default server is now '${server}'.`);
        } else {
          ctx.out(s.load().default_server ?? '(no default server set)');
        }
      });
    },
  },
];
