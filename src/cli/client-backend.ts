import { Observable, defer, map, switchMap } from 'rxjs';
import { CvatClient } from '../client';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../emulator';
import type {
  CliBackend,
  CliBackendFactory,
  ConnectionOptions,
  EmulatorArgs,
  EmulatorStatus,
  PollOptions,
} from './backend';
import { deleteEach, summary } from './backend-common';
import { autoAnnotationBackend } from './backend-functions';
import { downloadFrames } from './backend-frames';
import { consensusMerge, listStorage, qualityReport } from './backend-parity';
import { createProject, importProjectDataset } from './backend-projects';
import { loginOnce, makeCliClient } from './backend-session';
import { serverChecks } from './server-check';
import { backup, createTask, exportResourceDataset, importTaskDataset, restore } from './backend-tasks';

/**
 * `--completion_verification_period`: server requests are checked at this fixed period instead of
 * the library's backoff.
 */
function withPolling(client: CvatClient, poll: PollOptions): CvatClient {
  const ms = poll.pollIntervalMs;
  if (ms === undefined) return client;
  return new CvatClient(client.transport, {
    ...client.config,
    polling: { ...client.config.polling, minDelayMs: ms, maxDelayMs: ms, jitter: 'none' },
  });
}

/** Every command over the real client: log in (once, lazily), then the command's requests. */
export function connectBackend(options: ConnectionOptions): CliBackend {
  const client$ = loginOnce(options);
  const withClient = <T>(run: (client: CvatClient) => Observable<T>, poll: PollOptions = {}): Observable<T> =>
    client$.pipe(switchMap((client) => run(withPolling(client, poll))));
  return {
    checkServer: (args) =>
      serverChecks({
        anonymous: makeCliClient(options),
        login: () => client$,
        host: options.host,
        verifySsl: options.verifySsl,
        ...(options.organization === undefined ? {} : { organization: options.organization }),
        ...(args.origin === undefined ? {} : { origin: args.origin }),
      }),
    listTasks: () => withClient((c) => c.tasks.list().pipe(map(summary))),
    createTask: (args) => withClient((c) => createTask(c, args, options.onCancelCleanup), args),
    deleteTasks: (ids) => withClient((c) => deleteEach(ids, (some) => c.tasks.removeByIds(some))),
    downloadFrames: (args) => withClient((c) => downloadFrames(c, args)),
    exportTaskDataset: (args) => withClient((c) => exportResourceDataset(c, 'tasks', args), args),
    importTaskDataset: (args) => withClient((c) => importTaskDataset(c, args), args),
    backupTask: (args) => withClient((c) => backup(c, 'tasks', args), args),
    createTaskFromBackup: (args) => withClient((c) => restore(c, 'tasks', args), args),

    listProjects: () => withClient((c) => c.projects.list().pipe(map(summary))),
    createProject: (args) => withClient((c) => createProject(c, args), args),
    deleteProjects: (ids) => withClient((c) => deleteEach(ids, (some) => c.projects.removeByIds(some))),
    exportProjectDataset: (args) => withClient((c) => exportResourceDataset(c, 'projects', args), args),
    importProjectDataset: (args) => withClient((c) => importProjectDataset(c, args), args),
    backupProject: (args) => withClient((c) => backup(c, 'projects', args), args),
    createProjectFromBackup: (args) => withClient((c) => restore(c, 'projects', args), args),

    qualityReport: (args) => withClient((c) => qualityReport(c, args), args),
    consensusMerge: (args) => withClient((c) => consensusMerge(c, args), args),
    listStorage: (args) => withClient((c) => listStorage(c, args)),
    autoAnnotation: autoAnnotationBackend(withClient),
  };
}

/** A client that went away mid-request (Ctrl-C on its side) is no emulator failure. */
function reportEmulatorError(error: unknown): void {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'ECONNRESET' || code === 'EPIPE') return;
  console.error('[cvat-emulator]', error);
}

/**
 * `cvat-rx emulator`: the embedded server, listening until unsubscribed (then closed). The
 * default user is admin/admin.
 */
export function runEmulator(args: EmulatorArgs): Observable<EmulatorStatus> {
  const user = args.user ?? { username: 'admin', password: 'admin' };
  const options: EmulatorOptions = {
    port: args.port ?? 0,
    host: args.host ?? '127.0.0.1',
    processingDelayMs: args.processingDelayMs ?? 200,
    users: [{ ...user, is_superuser: true, email: `${user.username}@localhost` }],
    onError: reportEmulatorError,
    ...(args.shareDir === undefined ? {} : { shareDir: args.shareDir }),
    ...(args.allowedOrigins === undefined ? {} : { allowedOrigins: [...args.allowedOrigins] }),
    ...(args.allowedHosts === undefined ? {} : { allowedHosts: [...args.allowedHosts] }),
  };
  const login =
    args.user === undefined
      ? `Log in as admin/admin, e.g. cvat-rx --server-host URL --auth admin:admin task ls`
      : `Log in as ${user.username} with the password given to --user`;
  return defer(
    () =>
      new Observable<EmulatorStatus>((subscriber) => {
        let running: RunningEmulator | undefined;
        let stopped = false;
        startEmulator(options).then(
          (emulator) => {
            running = emulator;
            if (stopped) {
              void emulator.close();
              return;
            }
            subscriber.next({
              url: emulator.url,
              message: login.replace('URL', emulator.url),
            });
          },
          (error: unknown) => subscriber.error(error),
        );
        return () => {
          stopped = true;
          void running?.close();
        };
      }),
  );
}

export const clientBackendFactory: CliBackendFactory = {
  connect: connectBackend,
  startEmulator: runEmulator,
};
