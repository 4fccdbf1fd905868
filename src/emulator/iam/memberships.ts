import type { MembershipRec } from '../model';
import type { Actor } from './actor';
import { hasRole } from './actor';

/**
 * cvat/apps/organizations/rules/memberships.rego. The actor is taken in the membership's
 * organization. Staff (owner, maintainer) see every membership, members the active ones.
 */
export function mayViewMembership(a: Actor, m: MembershipRec): boolean {
  if (a.admin) return true;
  if (hasRole(a, 'maintainer')) return true;
  return m.is_active && a.role !== null;
}

/**
 * `change:role` and `delete`: the owner acts on anyone but themselves and the owner; a maintainer
 * on workers and supervisors other than themselves; any member may leave (not the owner).
 */
export function mayChangeMembership(a: Actor, m: MembershipRec, scope: 'change:role' | 'delete'): boolean {
  if (a.admin) return true;
  const self = m.user_id === a.user.id;
  if (a.role === 'owner' && !self && m.role !== 'owner') return true;
  if (a.role === 'maintainer' && !self && m.role !== 'owner' && m.role !== 'maintainer') return true;
  return scope === 'delete' && self && m.is_active && a.role !== null && m.role !== 'owner';
}

/**
 * The list filter: without an organization, a user's own active memberships; in one, all of it
 * for its staff and the active ones for other members.
 */
export function membershipListed(a: Actor, inOrg: boolean, m: MembershipRec): boolean {
  if (a.admin) return true;
  if (!inOrg) return m.user_id === a.user.id && m.is_active;
  return hasRole(a, 'maintainer') || m.is_active;
}
