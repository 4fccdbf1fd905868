import { defer, EMPTY, tap, type Observable } from 'rxjs';
import { UsageError } from '../errors';
import { parseFunctionParameters, resolveFunctionSource } from '../node/function-module';
import type { FunctionSource } from '../node/function-module';
import type { ArgReader, OptionSpec } from './args';
import type { AutoAnnotationBackend, FunctionArgs } from './backend-functions';
import type { CommandContext, CommandSpec } from './command-spec';
import { results } from './results';

/**
 * `task auto-annotate` and `function create-native | delete | run-agent`, with cvat-cli's
 * arguments: the function is `--function-module NAME` or `--function-file PATH`, with
 * `-p NAME=TYPE:VALUE` parameters for its `create(params)`.
 */

const FUNCTION_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'function-module',
    kind: 'value',
    metavar: 'MODULE',
    help: 'a module exporting the function (spec and detect, or create)',
  },
  { name: 'function-file', kind: 'value', metavar: 'PATH', help: 'a JS or TS file exporting the function' },
  {
    name: 'function-parameter',
    short: 'p',
    kind: 'value',
    multiple: true,
    metavar: 'NAME=TYPE:VALUE',
    help: 'a parameter for create(params); TYPE is int, float, str or bool (repeatable)',
  },
];

function functionArgs(args: ArgReader): FunctionArgs {
  const module = args.string('function-module');
  const file = args.string('function-file');
  if ((module === undefined) === (file === undefined))
    args.fail('exactly one of --function-module and --function-file is required');
  const source: FunctionSource = module !== undefined ? { module } : { file: file ?? '' };
  resolveFunctionSource(source);
  return { source, params: parseFunctionParameters(args.strings('function-parameter')) };
}

function backendOf(ctx: CommandContext): AutoAnnotationBackend {
  const backend = ctx.backend.autoAnnotation;
  if (!backend) throw new UsageError('this backend has no auto-annotation support');
  return backend;
}

const run = (
  ctx: CommandContext,
  work: (backend: AutoAnnotationBackend) => Observable<unknown>,
): Observable<unknown> => defer(() => work(backendOf(ctx)));

export const AUTO_ANNOTATION_COMMANDS: readonly CommandSpec[] = [
  {
    resource: 'task',
    action: 'auto-annotate',
    summary: 'annotate a task with a detection function; prints the counts uploaded',
    positionals: [{ name: 'TASK_ID', help: 'task id' }],
    options: [
      ...FUNCTION_OPTIONS,
      { name: 'clear-existing', kind: 'flag', help: 'remove the existing annotations first' },
      { name: 'allow-unmatched-labels', kind: 'flag', help: 'ignore function labels the task lacks' },
      {
        name: 'conf-threshold',
        kind: 'value',
        metavar: 'X',
        help: 'confidence threshold (0-1) for the function',
      },
      { name: 'conv-mask-to-poly', kind: 'flag', help: 'ask the function for polygons instead of masks' },
      { name: 'concurrency', kind: 'value', metavar: 'N', help: 'frames in detection at once (default: 2)' },
    ],
    prepare: (args, pos) => {
      const raw = args.string('conf-threshold');
      const confThreshold = raw === undefined ? undefined : Number(raw);
      if (confThreshold !== undefined && (raw?.trim() === '' || !(confThreshold >= 0 && confThreshold <= 1)))
        args.fail(`--conf-threshold: must be between 0 and 1, got "${raw ?? ''}"`);
      const concurrency = args.int('concurrency', { min: 1 });
      const request = {
        ...functionArgs(args),
        taskId: args.positionalInt(pos('TASK_ID')[0] ?? '', 'TASK_ID', 1),
        clearExisting: args.flag('clear-existing'),
        allowUnmatchedLabels: args.flag('allow-unmatched-labels'),
        convMaskToPoly: args.flag('conv-mask-to-poly'),
        ...(confThreshold === undefined ? {} : { confThreshold }),
        ...(concurrency === undefined ? {} : { concurrency }),
      };
      return (ctx) =>
        run(ctx, (backend) =>
          results(backend.autoAnnotate(request), ctx.progress).pipe(
            tap((done) =>
              ctx.out(
                `${done.frames} frames: ${done.shapes} shapes and ${done.tags} tags uploaded to task ${request.taskId}`,
              ),
            ),
          ),
        );
    },
  },
  {
    resource: 'function',
    action: 'create-native',
    summary: 'create a native function that an agent running the given function serves; prints its id',
    positionals: [{ name: 'NAME', help: 'a human-readable name for the function' }],
    options: FUNCTION_OPTIONS,
    prepare: (args, pos) => {
      const name = pos('NAME')[0] ?? '';
      if (name.trim() === '') args.fail('NAME: the function name is empty');
      const request = { ...functionArgs(args), name };
      return (ctx) =>
        run(ctx, (backend) =>
          backend.createNativeFunction(request).pipe(tap((created) => ctx.out(String(created.id)))),
        );
    },
  },
  {
    resource: 'function',
    action: 'delete',
    summary: 'delete functions, skipping those that do not exist; prints the deleted ids',
    positionals: [{ name: 'FUNCTION_IDS', help: 'function ids', variadic: true }],
    options: [],
    prepare: (args, pos) => {
      const ids = pos('FUNCTION_IDS').map((v) => args.positionalInt(v, 'FUNCTION_IDS', 1));
      return (ctx) =>
        run(ctx, (backend) =>
          backend.deleteFunctions(ids).pipe(
            tap((outcome) => {
              if (outcome.deleted) ctx.out(String(outcome.id));
              else ctx.info(`Function ${outcome.id} not found, skipped`);
            }),
          ),
        );
    },
  },
  {
    resource: 'function',
    action: 'run-agent',
    summary: 'serve the requests for a native function until Ctrl-C (or, with --burst, until none is left)',
    positionals: [{ name: 'FUNCTION_ID', help: 'the function to serve' }],
    options: [
      ...FUNCTION_OPTIONS,
      { name: 'burst', kind: 'flag', help: 'process the pending requests, then exit' },
    ],
    stopsOnInterrupt: true,
    prepare: (args, pos) => {
      const base = functionArgs(args);
      const functionId = args.positionalInt(pos('FUNCTION_ID')[0] ?? '', 'FUNCTION_ID', 1);
      const burst = args.flag('burst');
      return (ctx) =>
        run(ctx, (backend) =>
          backend
            .runAgent({ ...base, functionId, burst, stop: ctx.interrupted ?? EMPTY })
            .pipe(tap((line) => ctx.info(line))),
        );
    },
  },
];
