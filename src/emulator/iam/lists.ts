import type { Ctx } from '../context';
import { actorIn, hasRole } from './actor';
import type { Actor } from './actor';

/**
 * The `filter` of a `.rego` file for list requests. Without an organization in the request CVAT
 * uses the sandbox filter (only the user's own and assigned objects, in any organization); in an
 * organization maintainers and owners see all of it, others only what they own or are assigned to.
 * Admins see everything. The organization itself is then applied by `Orgs.inContext`.
 */
export function listFilter<T>(ctx: Ctx, staff: (actor: Actor, item: T) => boolean): (item: T) => boolean {
  const c = ctx.org;
  const actor = actorIn(ctx, c.kind === 'org' ? c.org.id : null);
  if (actor.admin) return () => true;
  if (c.kind === 'org' && hasRole(actor, 'maintainer')) return () => true;
  return (item) => staff(actor, item);
}
