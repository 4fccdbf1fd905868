import type { AnnotationsRec, JobRec } from './model';
import type { State } from './state';

/**
 * Annotations of ground-truth and consensus-replica jobs. In CVAT these jobs keep their own
 * annotations, apart from the task's (which are those of its annotation jobs): a quality report
 * compares the two, and a consensus merge writes the replicas' agreement into the annotation job.
 */
const stores = new WeakMap<State, Map<number, AnnotationsRec>>();

/** True for jobs whose annotations are not the task's. */
export function hasOwnAnnotations(job: JobRec | undefined): job is JobRec {
  return job !== undefined && (job.type === 'ground_truth' || job.type === 'consensus_replica');
}

/** A separate job's annotations (created empty on first use). */
export function jobAnnotationsOf(state: State, jobId: number): AnnotationsRec {
  let byJob = stores.get(state);
  if (!byJob) {
    byJob = new Map();
    stores.set(state, byJob);
  }
  let a = byJob.get(jobId);
  if (!a) {
    a = { version: 0, tags: [], shapes: [], tracks: [] };
    byJob.set(jobId, a);
  }
  return a;
}

/** Where the annotations of a task or job scope live. */
export function annotationStore(state: State, scope: { task: { id: number }; job?: JobRec }): AnnotationsRec {
  return hasOwnAnnotations(scope.job)
    ? jobAnnotationsOf(state, scope.job.id)
    : state.annotationsOf(scope.task.id);
}
