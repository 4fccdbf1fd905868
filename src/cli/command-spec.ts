import type { Observable } from 'rxjs';
import type { ArgReader, OptionSpec, PositionalSpec } from './args';
import type { CliBackend } from './backend';
import type { Env } from './credentials';
import type { ProgressSink } from './progress';

/** The shapes every command module shares: what a command is, and what it may touch when it runs. */

/** The global options of the command line (before the resource and action). */
export interface GlobalOptions {
  readonly serverHost: string;
  readonly serverPort: number | undefined;
  readonly auth: string | undefined;
  readonly org: string | undefined;
  readonly insecure: boolean;
  readonly debug: boolean;
  /** `--profile NAME`: a saved profile's server and token. */
  readonly profile?: string;
  /** Whether --server-host was given (otherwise a profile or the configured default server may apply). */
  readonly serverHostGiven?: boolean;
}

/** What a running command may touch. */
export interface CommandContext {
  readonly backend: CliBackend;
  /** A result line on stdout. */
  readonly out: (line: string) => void;
  /** A human note on stderr. */
  readonly info: (line: string) => void;
  readonly progress: ProgressSink;
  /** The environment (where the profile store is, for instance). */
  readonly env?: Env;
  /** Asks for a secret with echo off. */
  readonly readSecret?: (prompt: string) => Observable<string>;
  /** The global options of the command line. */
  readonly globals?: GlobalOptions;
  /** Emits on the first Ctrl-C for commands that stop on their own (`stopsOnInterrupt`). */
  readonly interrupted?: Observable<unknown>;
}

export type CommandRun = (ctx: CommandContext) => Observable<unknown>;

export interface CommandSpec {
  readonly resource:
    'task' | 'project' | 'function' | 'quality' | 'consensus' | 'storage' | 'profile' | 'config' | 'server';
  /** Runs without a server or credentials (profile and config commands). */
  readonly local?: boolean;
  readonly action: string;
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  /** The first Ctrl-C asks the command to stop (`interrupted`) instead of unsubscribing it. */
  readonly stopsOnInterrupt?: boolean;
  /** Validates everything it can (throwing UsageError) before any credential is asked for. */
  prepare(args: ArgReader, positional: (name: string) => string[]): CommandRun;
}
