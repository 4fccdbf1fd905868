import { UsageError } from '../errors';
import type { Interceptor, RetryPolicy, Timeouts } from './types';

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 20_000 };
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 30_000, idleMs: 300_000 };
/**
 * JSON, text and error bodies are buffered and parsed whole (a parsed object takes several times
 * its bytes). CVAT's biggest JSON answers, the annotations of a large task, are tens of MiB; 64 MiB
 * leaves room for them and stops a hostile or broken endless body long before memory runs out.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 2 ** 20;
/**
 * Bytes and Blobs held in memory (frames, chunks, `downloadBlob`): an original-quality chunk of
 * large images can reach hundreds of MiB, so the bound is higher. Downloads to disk are streamed
 * and not bounded.
 */
export const DEFAULT_MAX_BINARY_RESPONSE_BYTES = 1024 * 2 ** 20;

/** How requests choose an organization: CVAT accepts the header or either query parameter. */
export type OrganizationMode = 'header' | 'org' | 'org_id';

export interface ConfigurationInit {
  /** The server, e.g. `http://localhost:8080`. A path prefix is kept. */
  readonly host: string;
  /** Basic authentication (or the credentials `login` exchanges for a session). */
  readonly username?: string;
  readonly password?: string;
  /** A legacy API token, sent as `Authorization: Token …`. */
  readonly token?: string;
  /** A personal access token, sent as `Authorization: Bearer …`. */
  readonly accessToken?: string;
  /**
   * The organization context: a slug (`''` = the personal workspace) or an id. Absent: no context,
   * every object the user can see.
   */
  readonly organization?: string | number;
  /** Where the organization goes; `header` (`X-Organization`) by default, `org_id` for numeric ids. */
  readonly organizationMode?: OrganizationMode;
  readonly timeouts?: Partial<Timeouts>;
  readonly retry?: Partial<RetryPolicy>;
  /** Run in the given order, outermost first, after cvat-rx's own steps (defaults, auth) and before retry. */
  readonly interceptors?: readonly Interceptor[];
  /** TLS certificate verification; turn it off only for a server you trust on a network you trust. */
  readonly verifySsl?: boolean;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The largest JSON, text or error body read into memory (default 64 MiB); past it the
   * connection is closed and the call fails with `ResponseTooLargeError`. `Infinity` turns it off.
   */
  readonly maxResponseBytes?: number;
  /** The same for bytes and Blobs held in memory (default 1 GiB). Streamed downloads to disk have none. */
  readonly maxBinaryResponseBytes?: number;
}

/** Immutable client settings. Derive variants with `with(...)`; the original never changes. */
export class Configuration {
  readonly host: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly token: string | undefined;
  readonly accessToken: string | undefined;
  readonly organization: string | number | undefined;
  readonly organizationMode: OrganizationMode;
  readonly timeouts: Timeouts;
  readonly retry: RetryPolicy;
  readonly interceptors: readonly Interceptor[];
  readonly verifySsl: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxResponseBytes: number;
  readonly maxBinaryResponseBytes: number;

  constructor(init: ConfigurationInit) {
    this.host = init.host.replace(/\/+$/, '');
    this.username = init.username;
    this.password = init.password;
    this.token = init.token;
    this.accessToken = init.accessToken;
    this.organization = init.organization;
    this.organizationMode = init.organizationMode ?? 'header';
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...init.timeouts };
    this.retry = { ...DEFAULT_RETRY, ...init.retry };
    this.interceptors = init.interceptors ?? [];
    this.verifySsl = init.verifySsl ?? true;
    this.headers = init.headers ?? {};
    this.maxResponseBytes = byteLimit('maxResponseBytes', init.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
    this.maxBinaryResponseBytes = byteLimit(
      'maxBinaryResponseBytes',
      init.maxBinaryResponseBytes,
      DEFAULT_MAX_BINARY_RESPONSE_BYTES,
    );
    // Secrets stay out of JSON.stringify / util.inspect of the configuration.
    for (const secret of ['password', 'token', 'accessToken'] as const) {
      Object.defineProperty(this, secret, { enumerable: false, value: this[secret], writable: false });
    }
  }

  /** A new configuration with some settings replaced. */
  with(changes: Partial<ConfigurationInit>): Configuration {
    return new Configuration({ ...this.toInit(), ...changes });
  }

  private toInit(): ConfigurationInit {
    return {
      host: this.host,
      username: this.username,
      password: this.password,
      token: this.token,
      accessToken: this.accessToken,
      organization: this.organization,
      organizationMode: this.organizationMode,
      timeouts: this.timeouts,
      retry: this.retry,
      interceptors: this.interceptors,
      verifySsl: this.verifySsl,
      headers: this.headers,
      maxResponseBytes: this.maxResponseBytes,
      maxBinaryResponseBytes: this.maxBinaryResponseBytes,
    };
  }
}

function byteLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new UsageError(`${name} must be a positive number of bytes, got ${String(value)}`);
  return value;
}
