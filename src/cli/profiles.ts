import { defer, of, type Observable } from 'rxjs';
import { UsageError } from '../errors';
import { AuthStore, authStorePath, normalizeServer } from './auth-store';
import type { Env } from './credentials';
import type { GlobalOptions } from './command-spec';
import { serverUrl } from './server-url';

/** cvat-sdk's DEFAULT_SERVER, used by `profile create` when no server is given or configured. */
export const DEFAULT_SERVER = 'http://localhost:8080';

/** Where a command connects, and with which token when a profile gives one. */
export interface Connection {
  readonly host: string;
  readonly token?: string;
  readonly profile?: string;
}

export function storeFor(env: Env): AuthStore {
  return new AuthStore(authStorePath(env));
}

/**
 * The server (and token) of a command, as cvat-cli 2.x picks them: `--profile NAME` gives both (and
 * cannot be combined with --auth or --server-host); without --auth, CVAT_ACCESS_TOKEN and
 * --server-host, the default profile does; otherwise --server-host, else the configured default
 * server, else http://localhost.
 */
export function resolveConnection(globals: GlobalOptions, env: Env): Connection {
  const store = storeFor(env);
  if (globals.profile !== undefined) {
    if (globals.auth !== undefined) throw new UsageError('--profile cannot be combined with --auth');
    if (globals.serverHostGiven) throw new UsageError('--profile cannot be combined with --server-host');
    const entry = store.load().profiles[globals.profile];
    if (!entry) throw new UsageError(`Unknown profile "${globals.profile}". Run 'cvat-rx profile list'.`);
    return { host: entry.server, token: entry.token, profile: globals.profile };
  }
  if (globals.serverHostGiven) return { host: serverUrl(globals) };
  const doc = store.load();
  const fallback = doc.default_profile === undefined ? undefined : doc.profiles[doc.default_profile];
  if (fallback && globals.auth === undefined && !env['CVAT_ACCESS_TOKEN']) {
    return { host: fallback.server, token: fallback.token, profile: doc.default_profile! };
  }
  return { host: serverUrl({ ...globals, serverHost: doc.default_server ?? globals.serverHost }) };
}

/** The lazy form for commands (store errors travel in the error channel). */
export function connection$(globals: GlobalOptions, env: Env): Observable<Connection> {
  return defer(() => of(resolveConnection(globals, env)));
}

export { normalizeServer };
