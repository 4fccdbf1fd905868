import type { CancelCleanup } from '../entities/operations';
import { Subject, defer, of, switchMap, tap, type Observable, type Subscription } from 'rxjs';
import type { CliBackendFactory, Credentials } from './backend';
import { resolveCredentials, type Env } from './credentials';
import { debugDetails, describeError, ExitCode, exitCodeFor, InterruptedError } from './exit-codes';
import { parseCommandLine, passwordsInArgv, type ParsedCommandLine } from './parse';
import { connection$ } from './profiles';
import { promptHidden } from './prompt';
import { exposureWarning } from './emulator-args';
import { makeProgress, nullProgress, type CliStream, type ProgressSink } from './progress';
import type { CliInput } from './prompt';
import { SecretScrubber } from './secrets';
import { redactUrl } from '../transport/redact';
import { VERSION } from './version';

export type CliSignal = 'SIGINT' | 'SIGTERM';
/** Subscribes a handler to interrupt signals; returns the function that unsubscribes it. */
export type SignalSource = (handler: (signal: CliSignal) => void) => () => void;

export interface RunCliOptions {
  readonly backendFactory: CliBackendFactory;
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly env: Env;
  readonly stdin?: CliInput;
  /** Defaults to the process's SIGINT and SIGTERM. */
  readonly signals?: SignalSource;
  /** Clock for throttling plain progress lines. */
  readonly now?: () => number;
}

/** SIGINT/SIGTERM of this process; while subscribed, Node's default exit on Ctrl-C is replaced. */
export const processSignals: SignalSource = (handler) => {
  const onInt = (): void => handler('SIGINT');
  const onTerm = (): void => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  };
};

function describeCredentials(credentials: Credentials): string {
  return credentials.kind === 'token' ? 'a personal access token' : `user "${credentials.username}"`;
}

/**
 * Runs one command line and resolves to its exit code. Never rejects and never exits the
 * process: bin.ts does that, which keeps this testable in-process.
 */
export async function runCli(argv: readonly string[], options: RunCliOptions): Promise<number> {
  const { env, stdout, stderr } = options;
  const scrubber = new SecretScrubber();
  for (const password of passwordsInArgv(argv)) scrubber.add(password);
  scrubber.add(env['PASS']);
  scrubber.add(env['CVAT_ACCESS_TOKEN']);

  const out = (line: string): void => void stdout.write(`${line}\n`);
  const err = (line: string): void => void stderr.write(`${scrubber.scrub(line)}\n`);
  const scrubbedStderr: CliStream = {
    write: (chunk: string) => stderr.write(scrubber.scrub(chunk)),
    isTTY: stderr.isTTY,
    get columns() {
      return stderr.columns;
    },
  };
  let debug = argv.includes('--debug');

  const report = (error: unknown, hint = ''): number => {
    if (error instanceof InterruptedError) {
      err('cvat-rx: interrupted');
      return ExitCode.interrupted;
    }
    err(`cvat-rx: error: ${describeError(error)}${hint}`);
    if (debug) debugDetails(error).forEach((line) => err(line));
    return exitCodeFor(error);
  };

  let parsed: ParsedCommandLine;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return report(error, " (see 'cvat-rx --help')");
  }
  if (parsed.kind === 'help') {
    out(parsed.text);
    return ExitCode.ok;
  }
  if (parsed.kind === 'version') {
    out(VERSION);
    return ExitCode.ok;
  }
  debug = parsed.globals.debug;
  const debugLine = debug ? (line: string): void => err(`debug: ${line}`) : undefined;

  let progress: ProgressSink = nullProgress;
  let work: Observable<unknown>;
  // Removals the library started because Ctrl-C cancelled a command half-way (a created task).
  const cleanups: CancelCleanup[] = [];
  // For commands that stop on their own (run-agent): the first Ctrl-C is a request to stop.
  const interrupt$ = new Subject<CliSignal>();
  let interrupted: CliSignal | undefined;
  if (parsed.kind === 'emulator') {
    const warning = exposureWarning(parsed.emulator);
    work = options.backendFactory.startEmulator(parsed.emulator).pipe(
      tap((status) => {
        out(status.url);
        if (warning) err(warning);
        if (status.message) err(status.message);
        err('Emulator running; press Ctrl-C to stop.');
      }),
    );
  } else {
    const { globals, run } = parsed;
    progress = makeProgress(scrubbedStderr, err, options.now);
    const ctxProgress = progress;
    const local = {
      env,
      readSecret: (prompt: string) => promptHidden(options.stdin, scrubbedStderr, prompt),
      interrupted: interrupt$,
    };
    work = connection$(globals, env).pipe(
      switchMap((connection) => {
        const host = connection.host;
        if (parsed.spec.local) {
          // Profile and config commands talk to no server: the backend is never used (connect is lazy).
          const idle = options.backendFactory.connect({
            host,
            credentials: { kind: 'token', token: '' },
            verifySsl: true,
          });
          return run({ backend: idle, out, info: err, progress: ctxProgress, ...local, globals });
        }
        const credentials$: Observable<Credentials> =
          connection.token !== undefined
            ? defer(() => {
                scrubber.add(connection.token);
                return of<Credentials>({ kind: 'token', token: connection.token ?? '' });
              })
            : resolveCredentials({
                auth: globals.auth,
                env,
                host,
                stdin: options.stdin,
                stderr: scrubbedStderr,
                onSecret: (secret, username) => scrubber.add(secret, username),
              });
        return credentials$.pipe(
          switchMap((credentials) => {
            debugLine?.(
              `${parsed.spec.resource} ${parsed.spec.action} on ${redactUrl(host)} as ${describeCredentials(credentials)}` +
                (connection.profile === undefined ? '' : ` (profile "${connection.profile}")`) +
                (globals.org === undefined ? '' : `, organization "${globals.org}"`) +
                (globals.insecure ? ', TLS verification off' : ''),
            );
            const backend = options.backendFactory.connect({
              host,
              credentials,
              organization: globals.org,
              verifySsl: !globals.insecure,
              debug: debugLine,
              onCancelCleanup: (cleanup) => cleanups.push(cleanup),
            });
            return run({ backend, out, info: err, progress: ctxProgress, ...local, globals });
          }),
        );
      }),
    );
  }

  const isEmulator = parsed.kind === 'emulator';
  const stopsOnInterrupt = parsed.kind === 'command' && parsed.spec.stopsOnInterrupt === true;
  const signals = options.signals ?? processSignals;
  return new Promise<number>((resolve) => {
    let settled = false;
    // Filled right after subscribe; a signal cannot arrive synchronously inside subscribe().
    const running: { subscription?: Subscription } = {};
    const finish = (code: number): void => {
      if (settled) return;
      settled = true;
      stopListening();
      progress.stop();
      resolve(code);
    };
    let cleaningUp = false;
    const stopListening = signals((signal) => {
      if (settled) return;
      const code = signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
      if (cleaningUp) {
        // A second Ctrl-C while the half-made object is being removed: stop waiting.
        err('cvat-rx: interrupted');
        finish(code);
        return;
      }
      if (stopsOnInterrupt && interrupted === undefined) {
        interrupted = signal;
        err('cvat-rx: stopping (interrupt again to abort)');
        interrupt$.next(signal);
        return;
      }
      // Unsubscribing is the cancellation: requests abort and temporary files are removed below us.
      running.subscription?.unsubscribe();
      progress.stop();
      if (isEmulator) {
        err('cvat-rx: emulator stopped');
        finish(ExitCode.ok);
        return;
      }
      const pending = cleanups.splice(0);
      if (pending.length === 0) {
        err('cvat-rx: interrupted');
        finish(code);
        return;
      }
      cleaningUp = true;
      for (const cleanup of pending) err(`cvat-rx: removing ${cleanup.what}, created before the interrupt`);
      void Promise.all(
        pending.map(async (cleanup) => {
          const removed = await cleanup.removed;
          err(removed ? `cvat-rx: removed ${cleanup.what}` : `cvat-rx: could not remove ${cleanup.what}`);
        }),
      ).then(() => {
        if (settled) return;
        err('cvat-rx: interrupted');
        finish(code);
      });
    });
    running.subscription = work.subscribe({
      error: (error: unknown) => {
        progress.stop();
        finish(report(error));
      },
      complete: () =>
        finish(
          interrupted === undefined
            ? ExitCode.ok
            : interrupted === 'SIGINT'
              ? ExitCode.interrupted
              : ExitCode.terminated,
        ),
    });
  });
}
