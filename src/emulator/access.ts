import type { Ctx } from './context';
import { forbidden, notFound } from './errors';
import type { IssueRec, JobRec, ProjectRec, TaskRec, UserRec } from './model';

/** Lookups that answer 404 for missing or invisible objects and 403 for forbidden changes. */
export function projectUsers(p: ProjectRec): Array<number | null> {
  return [p.owner_id, p.assignee_id];
}

export function taskUsers(ctx: Ctx, t: TaskRec): Array<number | null> {
  const p = t.project_id === null ? undefined : ctx.emu.state.projects.get(t.project_id);
  const jobs = [...ctx.emu.state.jobs.values()].filter((j) => j.task_id === t.id).map((j) => j.assignee_id);
  return [t.owner_id, t.assignee_id, ...(p ? projectUsers(p) : []), ...jobs];
}

export function canSeeProject(ctx: Ctx, p: ProjectRec): boolean {
  const user = ctx.requireUser();
  const tasks = [...ctx.emu.state.tasks.values()].filter((t) => t.project_id === p.id);
  return ctx.emu.orgs.canSee(user, p.org_id, [
    ...projectUsers(p),
    ...tasks.flatMap((t) => taskUsers(ctx, t)),
  ]);
}

export function canSeeTask(ctx: Ctx, t: TaskRec): boolean {
  return ctx.emu.orgs.canSee(ctx.requireUser(), t.org_id, taskUsers(ctx, t));
}

export function canSeeJob(ctx: Ctx, j: JobRec): boolean {
  const t = ctx.emu.state.tasks.get(j.task_id);
  return (
    t !== undefined && ctx.emu.orgs.canSee(ctx.requireUser(), t.org_id, [...taskUsers(ctx, t), j.assignee_id])
  );
}

export function getProject(ctx: Ctx, id: number): ProjectRec {
  const p = ctx.emu.state.projects.get(id);
  if (!p || !canSeeProject(ctx, p)) throw notFound();
  return p;
}

export function getTask(ctx: Ctx, id: number): TaskRec {
  const t = ctx.emu.state.tasks.get(id);
  if (!t || !canSeeTask(ctx, t)) throw notFound();
  return t;
}

export function getJob(ctx: Ctx, id: number): JobRec {
  const j = ctx.emu.state.jobs.get(id);
  if (!j || !canSeeJob(ctx, j)) throw notFound();
  return j;
}

export function getIssue(ctx: Ctx, id: number): IssueRec {
  const i = ctx.emu.state.issues.get(id);
  const j = i ? ctx.emu.state.jobs.get(i.job_id) : undefined;
  if (!i || !j || !canSeeJob(ctx, j)) throw notFound();
  return i;
}

/** Superusers, owners/assignees and organization maintainers may change an object. */
export function requireEditor(ctx: Ctx, orgId: number | null, users: Array<number | null>): UserRec {
  const user = ctx.requireUser();
  if (user.is_superuser || users.includes(user.id)) return user;
  if (orgId !== null) {
    const role = ctx.emu.state.membershipOf(user.id, orgId)?.role;
    if (role === 'owner' || role === 'maintainer' || role === 'supervisor') return user;
  }
  throw forbidden();
}
