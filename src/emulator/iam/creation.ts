import type { ProjectRec } from '../model';
import type { Actor } from './actor';
import { hasRole } from './actor';
import { isProjectStaff } from './projects';

/**
 * `create` and `create@project` of tasks.rego and projects.rego (also `import:backup`): anyone in
 * the sandbox; supervisors and above in an organization; in a project, its staff (a worker of
 * the organization included) or, in an organization, supervisors and above.
 */
export function mayCreate(actor: Actor, project?: ProjectRec): boolean {
  if (actor.admin) return true;
  if (project === undefined) return actor.orgId === null || hasRole(actor, 'supervisor');
  if (actor.orgId === null) return isProjectStaff(actor, project);
  return hasRole(actor, 'supervisor') || (hasRole(actor, 'worker') && isProjectStaff(actor, project));
}
