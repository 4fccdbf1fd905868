import { map, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import type { TransferEvent as LibraryEvent } from '../transfer/progress';
import type {
  ConsensusMergeArgs,
  QualityReportArgs,
  QualityReportResult,
  StorageEntry,
  StorageListArgs,
  TransferEvent,
} from './backend';

const EVENTS = { observe: 'events' } as const;

function toCli<T, R>(project: (value: T) => R): (event: LibraryEvent<T>) => TransferEvent<R> {
  return (event) => (event.type === 'result' ? { type: 'result', value: project(event.value) } : event);
}

/** `quality report`: computes a report of a task or project and emits it. */
export function qualityReport(
  client: CvatClient,
  args: QualityReportArgs,
): Observable<TransferEvent<QualityReportResult>> {
  const target = args.projectId !== undefined ? { projectId: args.projectId } : { taskId: args.taskId ?? 0 };
  return client.quality
    .createReport(target, EVENTS)
    .pipe(map(toCli((report) => ({ id: report.id ?? 0, json: { ...report } }))));
}

/** `consensus merge`: merges the replicas of a task's jobs, or of one job. */
export function consensusMerge(
  client: CvatClient,
  args: ConsensusMergeArgs,
): Observable<TransferEvent<void>> {
  const target = args.jobId !== undefined ? { jobId: args.jobId } : { taskId: args.taskId ?? 0 };
  return client.consensus.merge(target, EVENTS).pipe(map(toCli(() => undefined)));
}

/** `storage ls`: the entries of one level of a bucket, lazily over its pages. */
export function listStorage(client: CvatClient, args: StorageListArgs): Observable<StorageEntry> {
  return client.cloudStorages
    .content(args.storageId, args.prefix === undefined ? {} : { prefix: args.prefix })
    .pipe(map((entry) => ({ name: entry.name, type: entry.type, mimeType: entry.mime_type })));
}
