import { of, from, concat, finalize, NEVER, type Observable, type ObservableInput } from 'rxjs';
import type {
  CliBackend,
  CliBackendFactory,
  CliProgressEvent,
  ConnectionOptions,
  EmulatorArgs,
  EmulatorStatus,
  ResourceSummary,
  TransferEvent,
} from '../../src/cli/backend';

/** One recorded backend call: the method name and its single argument. */
export interface FakeCall {
  readonly method: keyof CliBackend;
  readonly arg: unknown;
}

export const TASKS: readonly ResourceSummary[] = [
  { id: 1, name: 'first', json: { id: 1, name: 'first', status: 'annotation' } },
  { id: 2, name: 'second', json: { id: 2, name: 'second', status: 'completed' } },
];
export const PROJECTS: readonly ResourceSummary[] = [
  { id: 10, name: 'proj', json: { id: 10, name: 'proj' } },
];

const progress = (
  phase: CliProgressEvent['phase'],
  loaded: number,
  total?: number,
  message?: string,
): CliProgressEvent => ({
  type: 'progress',
  phase,
  loaded,
  ...(total === undefined ? {} : { total }),
  ...(message === undefined ? {} : { message }),
});

const MiB = 1024 * 1024;

/** Upload 0 → 20 MiB, server processing 0 → 100 %, then the result. */
export function uploadThenProcess<T>(value: T): Observable<TransferEvent<T>> {
  return from<ObservableInput<TransferEvent<T>>>([
    progress('upload', 0, 20 * MiB),
    progress('upload', 10 * MiB, 20 * MiB),
    progress('upload', 20 * MiB, 20 * MiB),
    progress('processing', 0, 100, 'Queued'),
    progress('processing', 100, 100, 'Finished'),
    { type: 'result', value },
  ]);
}

export function processThenDownload<T>(value: T): Observable<TransferEvent<T>> {
  return from<ObservableInput<TransferEvent<T>>>([
    progress('processing', 50, 100, 'Exporting'),
    progress('download', 0, 4 * MiB),
    progress('download', 4 * MiB, 4 * MiB),
    { type: 'result', value },
  ]);
}

export type FakeOverrides = Partial<CliBackend>;

/** A CliBackend whose every method records its call, then answers from `overrides` or a default. */
export function makeFakeBackend(overrides: FakeOverrides = {}): { backend: CliBackend; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const record = <A, R>(method: keyof CliBackend, fallback: (arg: A) => R) => {
    return (arg: A): R => {
      calls.push({ method, arg });
      const override: unknown = overrides[method];
      return typeof override === 'function' ? override(arg) : fallback(arg);
    };
  };
  const backend: CliBackend = {
    checkServer: record('checkServer', (_: { readonly origin?: string }) =>
      from([
        { name: 'reachable', ok: true, detail: 'CVAT at http://fake' },
        { name: 'auth', ok: true, detail: 'logged in as admin' },
      ]),
    ),
    listTasks: record('listTasks', (_: void) => from(TASKS)),
    createTask: record('createTask', () => uploadThenProcess({ id: 42 })),
    deleteTasks: record('deleteTasks', (ids: readonly number[]) =>
      from(ids.map((id) => ({ id, deleted: id !== 404 }))),
    ),
    downloadFrames: record(
      'downloadFrames',
      (a: { taskId: number; frameIds: readonly number[]; outdir: string }) =>
        concat(
          of<TransferEvent<{ paths: string[] }>>({
            type: 'progress',
            phase: 'download',
            loaded: 1,
            total: 2,
            unit: 'items',
          }),
          of<TransferEvent<{ paths: string[] }>>({
            type: 'result',
            value: {
              paths: a.frameIds.map(
                (f) => `${a.outdir}/task_${a.taskId}_frame_${String(f).padStart(6, '0')}.jpg`,
              ),
            },
          }),
        ),
    ),
    exportTaskDataset: record('exportTaskDataset', (a: { filename: string }) =>
      processThenDownload({ path: a.filename }),
    ),
    importTaskDataset: record('importTaskDataset', () => uploadThenProcess<void>(undefined)),
    backupTask: record('backupTask', (a: { filename: string }) => processThenDownload({ path: a.filename })),
    createTaskFromBackup: record('createTaskFromBackup', () => uploadThenProcess({ id: 77 })),
    listProjects: record('listProjects', (_: void) => from(PROJECTS)),
    createProject: record('createProject', () => uploadThenProcess({ id: 11 })),
    deleteProjects: record('deleteProjects', (ids: readonly number[]) =>
      from(ids.map((id) => ({ id, deleted: true }))),
    ),
    exportProjectDataset: record('exportProjectDataset', (a: { filename: string }) =>
      processThenDownload({ path: a.filename }),
    ),
    importProjectDataset: record('importProjectDataset', () => uploadThenProcess<void>(undefined)),
    backupProject: record('backupProject', (a: { filename: string }) =>
      processThenDownload({ path: a.filename }),
    ),
    createProjectFromBackup: record('createProjectFromBackup', () => uploadThenProcess({ id: 12 })),
  };
  return { backend, calls };
}

/** A factory handing out one fake backend and recording how it was connected. */
export function makeFakeFactory(
  overrides: FakeOverrides = {},
  emulator: (args: EmulatorArgs) => Observable<EmulatorStatus> = () => NEVER,
): {
  factory: CliBackendFactory;
  calls: FakeCall[];
  connections: ConnectionOptions[];
  emulatorArgs: EmulatorArgs[];
} {
  const { backend, calls } = makeFakeBackend(overrides);
  const connections: ConnectionOptions[] = [];
  const emulatorArgs: EmulatorArgs[] = [];
  const factory: CliBackendFactory = {
    connect: (options) => {
      connections.push(options);
      return backend;
    },
    startEmulator: (args) => {
      emulatorArgs.push(args);
      return emulator(args);
    },
  };
  return { factory, calls, connections, emulatorArgs };
}

/** An Observable that never emits and records its teardown (for Ctrl-C tests). */
export function hanging<T>(onTeardown: () => void): Observable<T> {
  return NEVER.pipe(finalize(onTeardown));
}
