import type { WatchRequestOptions } from '../lifecycle';
import type { ConfigurationInit } from '../transport/configuration';
import type { Handler } from '../transport/types';
import type { TransferPlatform } from '../entities/operations/platform';

/** A user name and password: sent as HTTP Basic until `client.login()` trades them for a token. */
export interface PasswordCredentials {
  readonly username: string;
  readonly password: string;
}

/** A personal access token (CVAT ≥ 2.48), sent as `Authorization: Bearer …`. */
export interface TokenCredentials {
  readonly token: string;
}

export type Credentials = PasswordCredentials | TokenCredentials;

/** Where the client reports things that are worth knowing but not worth failing for. */
export interface Logger {
  warn(message: string): void;
  debug?(message: string): void;
}

/**
 * Defaults of the waiters behind `status$` and `requests.watch` (see src/lifecycle): `minDelayMs`
 * (200), `maxDelayMs` (5,000), `maxWaitMs` (none), `jitter` (`full`), and `scheduler`/`random` for tests.
 */
export type PollingOptions = WatchRequestOptions;

export interface ClientConfig {
  /**
   * What to do with a server outside the tested range: `true` (the default) logs a warning,
   * `false` makes `checkServerVersion()` fail with a `UsageError`.
   */
  readonly allowUnsupportedServer?: boolean;
  /** Receives compatibility warnings; `console` by default. */
  readonly logger?: Logger;
  /** Page size of `list()` when a query gives none (the server's own default is 10). */
  readonly pageSize?: number;
  /** Defaults for every waiter this client starts. */
  readonly polling?: PollingOptions;
  /** Transport settings: timeouts, retry, interceptors, headers, TLS verification. */
  readonly transport?: Omit<
    ConfigurationInit,
    'host' | 'username' | 'password' | 'token' | 'accessToken' | 'organization'
  >;
  /** Replaces the axios backend (tests, custom stacks). */
  readonly backend?: Handler;
  /**
   * How transfers read and write files: `nodePlatform` from `cvat-rx/node` accepts paths and streams
   * and saves downloads to disk; without it, Files, Blobs and bytes (the browser way).
   */
  readonly platform?: TransferPlatform;
}

export interface ClientOptions {
  /** `http://localhost:8080`, or `localhost:8080` to try https, then http. */
  readonly host: string;
  readonly credentials?: Credentials;
  /** Organization slug; `''` is the personal workspace; absent: every object the user can see. */
  readonly organization?: string;
  readonly config?: ClientConfig;
}

export const DEFAULT_PAGE_SIZE = 100;

export const consoleLogger: Logger = {
  warn: (message) => console.warn(`cvat-rx: ${message}`),
};

export function isTokenCredentials(credentials: Credentials): credentials is TokenCredentials {
  return 'token' in credentials;
}

/** The configuration fields one set of credentials stands for; the others are cleared. */
export function credentialFields(
  credentials: Credentials | undefined,
): Pick<ConfigurationInit, 'username' | 'password' | 'token' | 'accessToken'> {
  const none = { username: undefined, password: undefined, token: undefined, accessToken: undefined };
  if (!credentials) return none;
  if (isTokenCredentials(credentials)) return { ...none, accessToken: credentials.token };
  return { ...none, username: credentials.username, password: credentials.password };
}
