import { mayProject, mayTask, requireProject, requireTask } from './access';
import type { Ctx } from './context';
import { forbidden } from './errors';
import type { ProjectRec, TaskRec } from './model';

/**
 * Permission checks of the quality, consensus, guide, webhook and cloud storage routes, over the
 * emulator's IAM (access.ts): the task's or project's own rules where CVAT's rego files refer to
 * them, and owner-or-organization-admin for objects of their own (webhooks, cloud storages).
 */

export const canSeeTask = (ctx: Ctx, t: TaskRec): boolean => mayTask(ctx, t, 'view');
export const canSeeProject = (ctx: Ctx, p: ProjectRec): boolean => mayProject(ctx, p, 'view');

/** Changing what belongs to a task (its quality settings, guide, consensus): as updating the task. */
export function requireTaskEditor(ctx: Ctx, t: TaskRec): void {
  requireTask(ctx, t, ['update:desc']);
}

export function requireProjectEditor(ctx: Ctx, p: ProjectRec): void {
  requireProject(ctx, p, ['update:desc']);
}

/** An object with an owner, in an organization or the sandbox: admins, members, or its owner see it. */
export function ownedVisible(ctx: Ctx, orgId: number | null, ownerId: number): boolean {
  const user = ctx.requireUser();
  if (user.is_superuser) return true;
  if (orgId !== null) return ctx.emu.state.membershipOf(user.id, orgId) !== undefined;
  return ownerId === user.id;
}

/** Changing such an object: admins, its owner, or the organization's owner and maintainers. */
export function requireOwnerOrOrgAdmin(ctx: Ctx, orgId: number | null, ownerId: number): void {
  const user = ctx.requireUser();
  if (user.is_superuser || user.id === ownerId) return;
  const role = orgId === null ? undefined : ctx.emu.state.membershipOf(user.id, orgId)?.role;
  if (role === 'owner' || role === 'maintainer') return;
  throw forbidden();
}
