import { defer, tap, toArray, type Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { CliBackend } from './backend';
import type { OptionSpec } from './args';
import type { CommandContext, CommandSpec } from './command-spec';
import { results } from './results';

const PERIOD_OPT: OptionSpec = {
  name: 'completion-verification-period',
  kind: 'value',
  metavar: 'SECONDS',
  help: 'seconds between status checks',
};
const JSON_OPT: OptionSpec = { name: 'json', kind: 'flag', help: 'print the full objects as JSON' };

/** The backend's optional method, or a UsageError saying this backend cannot do it. */
function need<K extends 'qualityReport' | 'consensusMerge' | 'listStorage'>(
  backend: CliBackend,
  name: K,
): NonNullable<CliBackend[K]> {
  const method = backend[name];
  if (!method) throw new UsageError(`this backend does not support ${name}`);
  return method.bind(backend) as NonNullable<CliBackend[K]>;
}

const pollOf = (seconds: number | undefined) =>
  seconds === undefined ? {} : { pollIntervalMs: Math.round(seconds * 1000) };

/** `quality report`, `consensus merge`, `storage ls`: quality control, consensus and cloud storages. */
export const PARITY_COMMANDS: readonly CommandSpec[] = [
  {
    resource: 'quality',
    action: 'report',
    summary: "compute a task's quality report (or a project's, with --project); prints its id last",
    positionals: [{ name: 'ID', help: 'task id (project id with --project)' }],
    options: [{ name: 'project', kind: 'flag', help: 'ID is a project' }, JSON_OPT, PERIOD_OPT],
    prepare: (args, pos) => {
      const id = args.positionalInt(pos('ID')[0] ?? '', 'ID', 1);
      const target = args.flag('project') ? { projectId: id } : { taskId: id };
      const json = args.flag('json');
      const poll = pollOf(args.seconds(PERIOD_OPT.name));
      return (ctx: CommandContext): Observable<unknown> =>
        defer(() => results(need(ctx.backend, 'qualityReport')({ ...target, ...poll }), ctx.progress)).pipe(
          tap((report) => {
            if (json) return ctx.out(JSON.stringify(report.json, null, 2));
            const summary = report.json['summary'];
            if (typeof summary === 'object' && summary !== null) {
              const s = summary as Record<string, unknown>;
              ctx.info(
                `conflicts: ${String(s['conflict_count'])}, errors: ${String(s['error_count'])}, ` +
                  `validation frames: ${String(s['validation_frames'])}/${String(s['total_frames'])}`,
              );
            }
            ctx.out(String(report.id));
          }),
        );
    },
  },
  {
    resource: 'consensus',
    action: 'merge',
    summary: "merge the consensus replicas of a task's jobs (or of one job, with --job)",
    positionals: [{ name: 'ID', help: 'task id (job id with --job)' }],
    options: [{ name: 'job', kind: 'flag', help: 'ID is a job' }, PERIOD_OPT],
    prepare: (args, pos) => {
      const id = args.positionalInt(pos('ID')[0] ?? '', 'ID', 1);
      const target = args.flag('job') ? { jobId: id } : { taskId: id };
      const poll = pollOf(args.seconds(PERIOD_OPT.name));
      return (ctx) =>
        defer(() => results(need(ctx.backend, 'consensusMerge')({ ...target, ...poll }), ctx.progress)).pipe(
          tap(() => ctx.info(`Merged the consensus replicas of ${'jobId' in target ? 'job' : 'task'} ${id}`)),
        );
    },
  },
  {
    resource: 'storage',
    action: 'ls',
    summary: 'list one level of a cloud storage (folders end with /)',
    positionals: [
      { name: 'STORAGE_ID', help: 'cloud storage id' },
      { name: 'PREFIX', help: 'folder (and start of names) to list', optional: true },
    ],
    options: [JSON_OPT],
    prepare: (args, pos) => {
      const storageId = args.positionalInt(pos('STORAGE_ID')[0] ?? '', 'STORAGE_ID', 1);
      const prefix = pos('PREFIX')[0];
      const json = args.flag('json');
      return (ctx) => {
        const entries$ = defer(() =>
          need(ctx.backend, 'listStorage')({ storageId, ...(prefix === undefined ? {} : { prefix }) }),
        );
        if (!json) return entries$.pipe(tap((e) => ctx.out(e.type === 'DIR' ? `${e.name}/` : e.name)));
        return entries$.pipe(
          toArray(),
          tap((all) => ctx.out(JSON.stringify(all, null, 2))),
        );
      };
    },
  },
];
