import type { ProjectRec, TaskRec } from '../model';
import type { Actor, Rule } from './actor';
import { isOneOf } from './actor';
import { isProjectStaff } from './projects';

/** Scopes of `cvat/apps/engine/rules/tasks.rego` (the `create*` ones are in `creation.ts`). */
export type TaskScope =
  | 'view'
  | 'view:annotations'
  | 'view:data'
  | 'view:metadata'
  | 'export:dataset'
  | 'export:annotations'
  | 'export:backup'
  | 'update:desc'
  | 'update:annotations'
  | 'delete:annotations'
  | 'upload:data'
  | 'update:metadata'
  | 'import:annotations'
  | 'update:owner'
  | 'update:assignee'
  | 'update:project'
  | 'update:organization'
  | 'delete'
  | 'update:associated_storage';

/** A task with its project (the project's owner and assignee are staff of the task). */
export interface TaskFacts {
  task: TaskRec;
  project: ProjectRec | undefined;
}

export const isTaskStaff = (a: Actor, f: TaskFacts): boolean =>
  isOneOf(a, f.task.owner_id, f.task.assignee_id) ||
  (f.project !== undefined && isProjectStaff(a, f.project));

export function taskRule(scope: TaskScope, f: TaskFacts): Rule {
  switch (scope) {
    case 'update:owner':
    case 'update:assignee':
    case 'update:project':
    case 'update:organization':
    case 'delete':
      // The task's assignee may not: only its owner and the project's staff.
      return {
        staff: (a) =>
          isOneOf(a, f.task.owner_id) || (f.project !== undefined && isProjectStaff(a, f.project)),
        staffRole: 'worker',
        anyRole: 'maintainer',
      };
    case 'update:associated_storage':
      return {
        staff: (a) => isOneOf(a, f.task.owner_id, f.project?.owner_id),
        staffRole: 'worker',
        anyRole: 'maintainer',
      };
    default:
      return { staff: (a) => isTaskStaff(a, f), staffRole: 'worker', anyRole: 'maintainer' };
  }
}

/** Tasks a user lists without being a maintainer: owned or assigned, the task or its project. */
export const taskListed = isTaskStaff;
