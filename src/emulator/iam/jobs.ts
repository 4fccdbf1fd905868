import type { JobRec } from '../model';
import type { Actor, Rule } from './actor';
import { isOneOf } from './actor';
import type { TaskFacts } from './tasks';
import { isTaskStaff } from './tasks';

/** Scopes of `cvat/apps/engine/rules/jobs.rego`. */
export type JobScope =
  | 'view'
  | 'view:annotations'
  | 'view:data'
  | 'view:metadata'
  | 'export:dataset'
  | 'export:annotations'
  | 'update:state'
  | 'update:annotations'
  | 'delete:annotations'
  | 'import:annotations'
  | 'update:metadata'
  | 'update:stage'
  | 'update:assignee'
  | 'create'
  | 'delete';

export interface JobFacts extends TaskFacts {
  job: JobRec | undefined;
}

export const isJobStaff = (a: Actor, f: JobFacts): boolean =>
  isTaskStaff(a, f) || (f.job !== undefined && isOneOf(a, f.job.assignee_id));

export function jobRule(scope: JobScope, f: JobFacts): Rule {
  switch (scope) {
    case 'update:stage':
    case 'update:assignee':
      // A job's assignee may change its state but not its stage or assignee.
      return { staff: (a) => isTaskStaff(a, f), staffRole: 'worker', anyRole: 'maintainer' };
    case 'create':
    case 'delete':
      return { staff: (a) => isTaskStaff(a, f), staffRole: 'supervisor', anyRole: 'maintainer' };
    default:
      return { staff: (a) => isJobStaff(a, f), staffRole: 'worker', anyRole: 'maintainer' };
  }
}

/** Jobs a user lists without being a maintainer: assigned to the job, or staff of its task. */
export const jobListed = isJobStaff;
