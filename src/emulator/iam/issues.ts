import type { IssueRec } from '../model';
import type { Actor, Rule } from './actor';
import { isOneOf } from './actor';
import type { JobFacts } from './jobs';
import { isJobStaff } from './jobs';
import { isTaskStaff } from './tasks';

/** Scopes of `cvat/apps/engine/rules/issues.rego`. */
export type IssueScope = 'view' | 'update' | 'delete';

export interface IssueFacts extends JobFacts {
  issue: IssueRec;
}

/** Staff of the job, or the issue's owner or assignee. */
export const isIssueStaff = (a: Actor, f: IssueFacts): boolean =>
  isJobStaff(a, f) || isOneOf(a, f.issue.owner_id, f.issue.assignee_id);

/** Staff of the task, or the issue's owner (they may delete it). */
const isIssueAdmin = (a: Actor, f: IssueFacts): boolean => isTaskStaff(a, f) || isOneOf(a, f.issue.owner_id);

export function issueRule(scope: IssueScope, f: IssueFacts): Rule {
  const staff = scope === 'delete' ? (a: Actor) => isIssueAdmin(a, f) : (a: Actor) => isIssueStaff(a, f);
  return { staff, staffRole: 'worker', anyRole: 'maintainer' };
}

/** `create@job`: staff of the job, or maintainers. */
export function issueCreateRule(f: JobFacts): Rule {
  return { staff: (a) => isJobStaff(a, f), staffRole: 'worker', anyRole: 'maintainer' };
}

/** Issues a user lists without being a maintainer. */
export const issueListed = isIssueStaff;

/**
 * comments.rego: view, update and delete by the comment's owner or the issue's staff, or
 * maintainers; `create@issue` as the issue's `view`.
 */
export function commentRule(f: IssueFacts, ownerId: number | null): Rule {
  return {
    staff: (a) => isIssueStaff(a, f) || isOneOf(a, ownerId),
    staffRole: 'worker',
    anyRole: 'maintainer',
  };
}
