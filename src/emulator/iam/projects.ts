import type { ProjectRec } from '../model';
import type { Actor, Rule } from './actor';
import { isOneOf } from './actor';

/** Scopes of `cvat/apps/engine/rules/projects.rego`. */
export type ProjectScope =
  | 'view'
  | 'update:desc'
  | 'import:dataset'
  | 'update:assignee'
  | 'update:owner'
  | 'delete'
  | 'update:associated_storage'
  | 'update:organization'
  | 'export:dataset'
  | 'export:annotations'
  | 'export:backup';

export const isProjectStaff = (a: Actor, p: ProjectRec): boolean => isOneOf(a, p.owner_id, p.assignee_id);
const isProjectOwner = (a: Actor, p: ProjectRec): boolean => isOneOf(a, p.owner_id);

export function projectRule(scope: ProjectScope, p: ProjectRec): Rule {
  const staff = (a: Actor): boolean => isProjectStaff(a, p);
  const owner = (a: Actor): boolean => isProjectOwner(a, p);
  switch (scope) {
    case 'view':
    case 'update:desc':
    case 'import:dataset':
    case 'export:dataset':
    case 'export:annotations':
    case 'export:backup':
      return { staff, staffRole: 'worker', anyRole: 'maintainer' };
    case 'update:assignee':
    case 'delete':
    case 'update:organization':
    case 'update:associated_storage':
      return { staff: owner, staffRole: 'worker', anyRole: 'maintainer' };
    case 'update:owner':
      // Sandbox: admins only; organization: owners and maintainers.
      return { staff: null, staffRole: 'maintainer', anyRole: 'maintainer', sandbox: false };
  }
}

/** Projects a user lists without being a maintainer of the organization. */
export const projectListed = isProjectStaff;
