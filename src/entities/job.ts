import type { Observable } from 'rxjs';
import type { JobRead, PatchedJobWriteRequest } from '../models';
import type { QueryParams } from '../transport/types';
import { annotationOperations } from './annotations';
import type { AnnotationOperations } from './annotations';
import { listEntities, modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { jobs } from './descriptors';
import { type Issue, listIssues } from './issue';
import { type Label, listLabels } from './label';
import type { IssueListQuery, JobListQuery, LabelListQuery } from './query';
import { jobTransfers } from './operations/bindings';
import type { JobTransfers } from './operations/bindings';

/** A job snapshot: `JobRead` fields as readonly properties, except `issues` and `labels` (lists here). */
export interface Job
  extends
    Readonly<Omit<JobRead, 'id' | 'issues' | 'labels'>>,
    Snapshot<JobRead>,
    Fetchable<Job>,
    Updatable<Job, PatchedJobWriteRequest>,
    Removable,
    AnnotationOperations,
    JobTransfers {
  /** The job's issues (`GET /api/issues?job_id=`). */
  issues(query?: IssueListQuery): Observable<Issue>;
  /** The job's labels (`GET /api/labels?job_id=`). */
  labels(query?: LabelListQuery): Observable<Label>;
}

export function makeJob(ctx: ClientContext, model: JobRead): Job {
  const { id } = snapshotOf(jobs, model);
  const { id: _id, issues: _issues, labels: _labels, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, jobs, id, makeJob),
    ...annotationOperations(ctx, jobs, id),
    ...jobTransfers(ctx, id),
    issues: (query: IssueListQuery = {}) => listIssues(ctx, query, { job_id: id }),
    labels: (query: LabelListQuery = {}) => listLabels(ctx, query, { job_id: id }),
  });
}

export function listJobs(ctx: ClientContext, query: JobListQuery, parent?: QueryParams): Observable<Job> {
  return listEntities(ctx, jobs, makeJob, query, parent);
}
