import { map, tap, toArray, type Observable } from 'rxjs';
import type {
  CliBackend,
  CreateTaskArgs,
  DeleteOutcome,
  ExportDatasetArgs,
  ImportDatasetArgs,
  PollOptions,
  ResourceSummary,
  SortingMethod,
  TransferEvent,
} from './backend';
import type { ArgReader } from './args';
import type { CommandContext, CommandSpec } from './command-spec';
import { type OptionSpec, type PositionalSpec } from './args';
import { UsageError } from '../errors';
import { AUTO_ANNOTATION_COMMANDS } from './commands-auto-annotation';
import { parseLabels } from './labels';
import { results } from './results';
import { PARITY_COMMANDS } from './commands-parity';
import { PROFILE_COMMANDS } from './commands-profile';

export { results } from './results';

export type { CommandContext, CommandRun, CommandSpec } from './command-spec';

// ---- shared option specs ------------------------------------------------------------------------

const value = (name: string, help: string, extra: Partial<OptionSpec> = {}): OptionSpec => ({
  name,
  kind: 'value',
  help,
  ...extra,
});
const flag = (name: string, help: string, extra: Partial<OptionSpec> = {}): OptionSpec => ({
  name,
  kind: 'flag',
  help,
  ...extra,
});

const JSON_OPT = flag('json', 'print the full objects as JSON');
const LABELS_OPT = value('labels', 'labels as a JSON string or a JSON file', { metavar: 'JSON|FILE' });
const BUG_OPT = value('bug-tracker', 'bug tracker URL', { aliases: ['bug'], metavar: 'URL' });
const PERIOD_OPT = value('completion-verification-period', 'seconds between status checks', {
  metavar: 'SECONDS',
});
const formatOpt = (fallback: string): OptionSpec =>
  value('format', `dataset format (default: "${fallback}")`, { metavar: 'FORMAT' });
const WITH_IMAGES_OPT = value('with-images', 'include images in the dataset (default: no)', {
  metavar: 'yes|no',
});

const OVERWRITE_OPT = flag('overwrite', 'replace the output file(s) if they exist (default: fail)');

const SORTING: readonly SortingMethod[] = ['lexicographical', 'natural', 'predefined', 'random'];

const ID = (name: string, help: string): PositionalSpec => ({ name, help });
const FILE = (help: string): PositionalSpec => ({ name: 'FILE', help });
/** What cvat-cli takes for a download: a file, a folder, or nothing (the server's name, here). */
const OUTPUT: PositionalSpec = {
  name: 'FILE',
  help: "output file or folder (default: the server's file name in the current folder)",
  optional: true,
};

function poll(args: ArgReader): PollOptions {
  const seconds = args.seconds(PERIOD_OPT.name);
  return seconds === undefined ? {} : { pollIntervalMs: Math.round(seconds * 1000) };
}

// ---- shared running helpers ---------------------------------------------------------------------

function list(source: Observable<ResourceSummary>, json: boolean, ctx: CommandContext): Observable<unknown> {
  if (!json) return source.pipe(tap((item) => ctx.out(String(item.id))));
  return source.pipe(
    map((item) => item.json),
    toArray(),
    tap((items) => ctx.out(JSON.stringify(items, null, 2))),
  );
}

function remove(
  source: Observable<DeleteOutcome>,
  noun: string,
  ctx: CommandContext,
): Observable<DeleteOutcome> {
  return source.pipe(
    tap((outcome) => {
      if (outcome.deleted) ctx.out(String(outcome.id));
      else ctx.info(`${noun} ${outcome.id} not found, skipped`);
    }),
  );
}

function ids(args: ArgReader, values: readonly string[], name: string): number[] {
  return values.map((v) => args.positionalInt(v, name, 1));
}

// ---- the commands shared by tasks and projects ----------------------------------------------------

type Noun = 'task' | 'project';

interface ResourceOps {
  list(b: CliBackend): Observable<ResourceSummary>;
  remove(b: CliBackend, ids: readonly number[]): Observable<DeleteOutcome>;
  exportDataset(b: CliBackend, a: ExportDatasetArgs): Observable<TransferEvent<{ path: string }>>;
  importDataset(b: CliBackend, a: ImportDatasetArgs): Observable<TransferEvent<void>>;
  backup(
    b: CliBackend,
    a: { id: number; filename: string } & PollOptions,
  ): Observable<TransferEvent<{ path: string }>>;
  restore(b: CliBackend, a: { filename: string } & PollOptions): Observable<TransferEvent<{ id: number }>>;
}

const OPS: Record<Noun, ResourceOps> = {
  task: {
    list: (b) => b.listTasks(),
    remove: (b, i) => b.deleteTasks(i),
    exportDataset: (b, a) => b.exportTaskDataset(a),
    importDataset: (b, a) => b.importTaskDataset(a),
    backup: (b, a) => b.backupTask(a),
    restore: (b, a) => b.createTaskFromBackup(a),
  },
  project: {
    list: (b) => b.listProjects(),
    remove: (b, i) => b.deleteProjects(i),
    exportDataset: (b, a) => b.exportProjectDataset(a),
    importDataset: (b, a) => b.importProjectDataset(a),
    backup: (b, a) => b.backupProject(a),
    restore: (b, a) => b.createProjectFromBackup(a),
  },
};

function commonCommands(noun: Noun): CommandSpec[] {
  const ops = OPS[noun];
  const ID_NAME = `${noun.toUpperCase()}_ID`;
  const Noun = noun === 'task' ? 'Task' : 'Project';
  return [
    {
      resource: noun,
      action: 'ls',
      summary: `list ${noun}s (ids, or JSON with --json)`,
      positionals: [],
      options: [JSON_OPT],
      prepare: (args) => {
        const json = args.flag('json');
        return (ctx) => list(ops.list(ctx.backend), json, ctx);
      },
    },
    {
      resource: noun,
      action: 'delete',
      summary: `delete ${noun}s, skipping those that do not exist; prints the deleted ids`,
      positionals: [{ name: 'IDS', help: `${noun} ids`, variadic: true }],
      options: [],
      prepare: (args, pos) => {
        const toDelete = ids(args, pos('IDS'), 'IDS');
        return (ctx) => remove(ops.remove(ctx.backend, toDelete), Noun, ctx);
      },
    },
    {
      resource: noun,
      action: 'export-dataset',
      summary: `export a ${noun} as a dataset file; prints the file path`,
      positionals: [ID(ID_NAME, `${noun} id`), OUTPUT],
      options: [formatOpt('CVAT for images 1.1'), WITH_IMAGES_OPT, OVERWRITE_OPT, PERIOD_OPT],
      prepare: (args, pos) => {
        const request: ExportDatasetArgs = {
          id: args.positionalInt(pos(ID_NAME)[0] ?? '', ID_NAME, 1),
          filename: pos('FILE')[0] ?? '',
          format: args.string('format') ?? 'CVAT for images 1.1',
          includeImages: args.yesNo('with-images', false),
          ...(args.flag('overwrite') ? { overwrite: true } : {}),
          ...poll(args),
        };
        return (ctx) =>
          results(ops.exportDataset(ctx.backend, request), ctx.progress).pipe(
            tap((saved) => ctx.out(saved.path)),
          );
      },
    },
    {
      resource: noun,
      action: 'import-dataset',
      summary: `import annotations (a dataset file) into a ${noun}`,
      positionals: [ID(ID_NAME, `${noun} id`), FILE('file to upload')],
      options: [formatOpt('CVAT 1.1'), PERIOD_OPT],
      prepare: (args, pos) => {
        const request: ImportDatasetArgs = {
          id: args.positionalInt(pos(ID_NAME)[0] ?? '', ID_NAME, 1),
          filename: pos('FILE')[0] ?? '',
          format: args.string('format') ?? 'CVAT 1.1',
          ...poll(args),
        };
        return (ctx) =>
          results(ops.importDataset(ctx.backend, request), ctx.progress).pipe(
            tap(() => ctx.info(`Imported ${request.filename} into ${noun} ${request.id}`)),
          );
      },
    },
    {
      resource: noun,
      action: 'backup',
      summary: `download a ${noun} backup; prints the file path`,
      positionals: [ID(ID_NAME, `${noun} id`), OUTPUT],
      options: [OVERWRITE_OPT, PERIOD_OPT],
      prepare: (args, pos) => {
        const request = {
          id: args.positionalInt(pos(ID_NAME)[0] ?? '', ID_NAME, 1),
          filename: pos('FILE')[0] ?? '',
          ...(args.flag('overwrite') ? { overwrite: true } : {}),
          ...poll(args),
        };
        return (ctx) =>
          results(ops.backup(ctx.backend, request), ctx.progress).pipe(tap((saved) => ctx.out(saved.path)));
      },
    },
    {
      resource: noun,
      action: 'create-from-backup',
      summary: `create a ${noun} from a backup file; prints the new id`,
      positionals: [FILE('backup file')],
      options: [PERIOD_OPT],
      prepare: (args, pos) => {
        const request = { filename: pos('FILE')[0] ?? '', ...poll(args) };
        return (ctx) =>
          results(ops.restore(ctx.backend, request), ctx.progress).pipe(
            tap((created) => ctx.out(String(created.id))),
          );
      },
    },
  ];
}

// ---- task-only commands -----------------------------------------------------------------------

const TASK_CREATE_OPTIONS: readonly OptionSpec[] = [
  LABELS_OPT,
  value('project-id', 'put the task in this project', { metavar: 'ID' }),
  BUG_OPT,
  value('overlap', 'frames shared by neighbouring segments', { metavar: 'N' }),
  value('segment-size', 'frames per segment (job)', { metavar: 'N' }),
  value('image-quality', 'image quality, 0-100 (default: 70)', { metavar: 'N' }),
  value('chunk-size', 'frames per chunk', { metavar: 'N' }),
  value('sorting-method', `${SORTING.join('|')} (default: lexicographical)`, { metavar: 'METHOD' }),
  value('frame-step', 'take every Nth frame', { metavar: 'N' }),
  value('start-frame', 'first frame of the video', { metavar: 'N' }),
  value('stop-frame', 'last frame of the video', { metavar: 'N' }),
  flag('use-cache', 'prepare chunks on the fly'),
  flag('use-zip-chunks', 'zip chunks instead of video chunks'),
  flag('copy-data', 'copy share data into the task (share only)'),
  value('cloud-storage-id', 'take the data from this cloud storage', { metavar: 'ID' }),
  value('filename-pattern', 'shell-style pattern selecting manifest files', { metavar: 'PATTERN' }),
  value('annotation-path', 'annotation file to import after creation', { metavar: 'FILE' }),
  value('annotation-format', 'format of --annotation_path (default: "CVAT 1.1")', { metavar: 'FORMAT' }),
  PERIOD_OPT,
];

const RESOURCE_TYPES = ['local', 'share', 'remote'] as const;

const TASK_ONLY: CommandSpec[] = [
  {
    resource: 'task',
    action: 'create',
    summary: 'create a task from local files, share paths or URLs; prints the new id last',
    positionals: [
      { name: 'NAME', help: 'task name' },
      { name: 'RESOURCE_TYPE', help: 'local, share or remote' },
      { name: 'RESOURCES', help: 'files, share paths or URLs', variadic: true },
    ],
    options: TASK_CREATE_OPTIONS,
    prepare: (args, pos) => {
      const typeArg = pos('RESOURCE_TYPE')[0] ?? '';
      const resourceType =
        RESOURCE_TYPES.find((t) => t === typeArg) ??
        args.fail(`RESOURCE_TYPE: invalid choice "${typeArg}" (choose from ${RESOURCE_TYPES.join(', ')})`);
      const labelsRaw = args.string('labels');
      const annotationPath = args.string('annotation-path');
      const imageQuality = args.int('image-quality') ?? 70;
      if (imageQuality > 100) args.fail('--image-quality: expected 0 to 100');
      const request: CreateTaskArgs = {
        name: pos('NAME')[0] ?? '',
        resourceType,
        resources: pos('RESOURCES'),
        spec: {
          labels: labelsRaw === undefined ? undefined : parseLabels(labelsRaw),
          projectId: args.int('project-id', { min: 1 }),
          bugTracker: args.string('bug-tracker'),
          overlap: args.int('overlap'),
          segmentSize: args.int('segment-size'),
        },
        data: {
          imageQuality,
          sortingMethod: args.choice('sorting-method', SORTING, 'lexicographical'),
          useCache: args.flag('use-cache'),
          useZipChunks: args.flag('use-zip-chunks'),
          copyData: args.flag('copy-data'),
          chunkSize: args.int('chunk-size', { min: 1 }),
          frameStep: args.int('frame-step', { min: 1 }),
          startFrame: args.int('start-frame'),
          stopFrame: args.int('stop-frame'),
          cloudStorageId: args.int('cloud-storage-id', { min: 1 }),
          filenamePattern: args.string('filename-pattern'),
        },
        annotations: annotationPath
          ? { path: annotationPath, format: args.string('annotation-format') ?? 'CVAT 1.1' }
          : undefined,
        ...poll(args),
      };
      if (request.name.trim() === '') args.fail('NAME: the task name is empty');
      return (ctx) =>
        results(ctx.backend.createTask(request), ctx.progress).pipe(
          tap((created) => ctx.out(String(created.id))),
        );
    },
  },
  {
    resource: 'task',
    action: 'frames',
    summary: 'download frames as task_<ID>_frame_<NNNNNN>.<ext>; prints the file paths',
    positionals: [ID('TASK_ID', 'task id'), { name: 'FRAME_IDS', help: 'frame numbers', variadic: true }],
    options: [
      value('outdir', 'directory for the images (default: current directory)', { metavar: 'DIR' }),
      value('quality', 'original|compressed (default: original)', { metavar: 'QUALITY' }),
      OVERWRITE_OPT,
    ],
    prepare: (args, pos) => {
      const request = {
        taskId: args.positionalInt(pos('TASK_ID')[0] ?? '', 'TASK_ID', 1),
        frameIds: pos('FRAME_IDS').map((f) => args.positionalInt(f, 'FRAME_IDS', 0)),
        outdir: args.string('outdir') || '.',
        quality: args.choice('quality', ['original', 'compressed'] as const, 'original'),
        ...(args.flag('overwrite') ? { overwrite: true } : {}),
      };
      return (ctx) =>
        results(ctx.backend.downloadFrames(request), ctx.progress).pipe(
          tap((saved) => saved.paths.forEach((p) => ctx.out(p))),
        );
    },
  },
];

// ---- project-only commands -----------------------------------------------------------------------

const PROJECT_ONLY: CommandSpec[] = [
  {
    resource: 'project',
    action: 'create',
    summary: 'create a project, optionally from a dataset; prints the new id last',
    positionals: [{ name: 'NAME', help: 'project name' }],
    options: [
      LABELS_OPT,
      BUG_OPT,
      value('dataset-path', 'dataset file to import into the new project', { metavar: 'FILE' }),
      value('dataset-format', 'format of --dataset_path (default: "CVAT 1.1")', { metavar: 'FORMAT' }),
      PERIOD_OPT,
    ],
    prepare: (args, pos) => {
      const name = pos('NAME')[0] ?? '';
      if (name.trim() === '') args.fail('NAME: the project name is empty');
      const labelsRaw = args.string('labels');
      const bugTracker = args.string('bug-tracker');
      const datasetPath = args.string('dataset-path');
      const request = {
        name,
        ...(labelsRaw === undefined ? {} : { labels: parseLabels(labelsRaw) }),
        ...(bugTracker === undefined ? {} : { bugTracker }),
        ...(datasetPath
          ? { dataset: { path: datasetPath, format: args.string('dataset-format') ?? 'CVAT 1.1' } }
          : {}),
        ...poll(args),
      };
      return (ctx) =>
        results(ctx.backend.createProject(request), ctx.progress).pipe(
          tap((created) => ctx.out(String(created.id))),
        );
    },
  },
];

const ORDER = [
  'ls',
  'create',
  'create-native',
  'delete',
  'frames',
  'export-dataset',
  'import-dataset',
  'backup',
  'create-from-backup',
  'auto-annotate',
  'run-agent',
];

/** `server check [--origin URL]`: one line per check on stdout; exit 1 when one fails. */
const SERVER_CHECK: CommandSpec = {
  resource: 'server',
  action: 'check',
  summary: 'read-only checks: will cvat-rx work with this server (and a browser app at --origin)?',
  positionals: [],
  options: [value('origin', "a browser app's origin, to check CORS for uploads", { metavar: 'URL' })],
  prepare: (args) => {
    const origin = args.string('origin');
    if (origin !== undefined && !/^https?:\/\/[^/]+$/.test(origin))
      throw new UsageError(`--origin: expected an origin such as https://app.example.com, got "${origin}"`);
    return (ctx) =>
      ctx.backend.checkServer(origin === undefined ? {} : { origin }).pipe(
        tap((line) => ctx.out(`${line.ok ? 'ok  ' : 'FAIL'}  ${line.name.padEnd(14)} ${line.detail}`)),
        toArray(),
        tap((lines) => {
          const failed = lines.filter((line) => !line.ok).length;
          if (failed > 0) throw new ServerCheckFailed(`${failed} of ${lines.length} checks failed`);
        }),
      );
  },
};

/** Some `server check` line failed; the lines say which. */
class ServerCheckFailed extends Error {
  override readonly name = 'ServerCheckFailed';
}

const RESOURCE_ORDER: readonly CommandSpec['resource'][] = [
  'task',
  'project',
  'function',
  'quality',
  'consensus',
  'storage',
  'profile',
  'config',
  'server',
];

export const COMMANDS: readonly CommandSpec[] = [
  ...commonCommands('task'),
  ...TASK_ONLY,
  ...commonCommands('project'),
  ...PROJECT_ONLY,
  ...PARITY_COMMANDS,
  ...PROFILE_COMMANDS,
  ...AUTO_ANNOTATION_COMMANDS,
  SERVER_CHECK,
].sort(
  (a, b) =>
    RESOURCE_ORDER.indexOf(a.resource) - RESOURCE_ORDER.indexOf(b.resource) ||
    ORDER.indexOf(a.action) - ORDER.indexOf(b.action),
);

export function findCommand(resource: string, action: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.resource === resource && c.action === action);
}
