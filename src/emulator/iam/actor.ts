import type { Ctx } from '../context';
import type { Role, UserRec } from '../model';

/**
 * Who is asking, as CVAT's IAM sees it for one object: the user, whether they are an admin
 * (superuser), and their role in the object's organization. CVAT evaluates object permissions in
 * the object's own organization whatever the request's `X-Organization` says
 * (`cvat/apps/iam/permissions.py: get_iam_context(request, obj)`).
 */
export interface Actor {
  user: UserRec;
  admin: boolean;
  /** Organization of the object (null: the sandbox). */
  orgId: number | null;
  /** Active membership role in that organization, if any. */
  role: Role | null;
}

const RANK: Record<Role, number> = { worker: 1, supervisor: 2, maintainer: 3, owner: 4 };

export function actorIn(ctx: Ctx, orgId: number | null): Actor {
  const user = ctx.requireUser();
  const role = orgId === null ? null : (ctx.emu.state.membershipOf(user.id, orgId)?.role ?? null);
  return { user, admin: user.is_superuser, orgId, role };
}

/** `organizations.has_perm(role)`: the actor's role is at least `role`. */
export function hasRole(actor: Actor, role: Role): boolean {
  return actor.role !== null && RANK[actor.role] >= RANK[role];
}

/**
 * One `allow` group of a `.rego` file: admins always; in the sandbox whoever has the ownership
 * the group names; in an organization members of at least `anyRole`, or members of at least
 * `staffRole` with that ownership.
 */
export interface Rule {
  /** The ownership ("staff") that grants the scope, or null when none does. */
  staff: ((actor: Actor) => boolean) | null;
  staffRole: Role;
  /** The role that grants the scope on any object of the organization (null: none). */
  anyRole: Role | null;
  /** Whether ownership alone grants the scope in the sandbox (false: admins only). */
  sandbox?: boolean;
}

export function allows(actor: Actor, rule: Rule): boolean {
  if (actor.admin) return true;
  const staff = rule.staff !== null && rule.staff(actor);
  if (actor.orgId === null) return staff && rule.sandbox !== false;
  if (rule.anyRole !== null && hasRole(actor, rule.anyRole)) return true;
  return staff && hasRole(actor, rule.staffRole);
}

/** The user is one of these (owner/assignee ids; null never matches). */
export function isOneOf(actor: Actor, ...ids: Array<number | null | undefined>): boolean {
  return ids.some((id) => id !== null && id !== undefined && id === actor.user.id);
}
