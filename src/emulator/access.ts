import type { Ctx } from './context';
import { badRequest, forbidden, notFound } from './errors';
import { actorIn, allows, jobRule, listFilter, mayCreate, projectRule, taskRule } from './iam';
import type { IssueFacts, IssueScope, JobFacts, JobScope, ProjectScope, TaskFacts, TaskScope } from './iam';
import { commentRule, issueCreateRule, isIssueStaff, issueListed, issueRule } from './iam';
import { jobListed, projectListed, taskListed } from './iam';
import type { CommentRec, IssueRec, JobRec, ProjectRec, TaskRec } from './model';

/**
 * Object lookups with CVAT's permission checks: a missing object answers 404, an object the user
 * may not see or change answers 403 (CVAT looks the object up, then asks the policy).
 */

export function taskFacts(ctx: Ctx, t: TaskRec): TaskFacts {
  return { task: t, project: t.project_id === null ? undefined : ctx.emu.state.projects.get(t.project_id) };
}

function jobFacts(ctx: Ctx, j: JobRec): JobFacts & { task: TaskRec } {
  const t = ctx.emu.state.tasks.get(j.task_id);
  if (!t) throw notFound();
  return { ...taskFacts(ctx, t), job: j };
}

export function mayProject(ctx: Ctx, p: ProjectRec, scope: ProjectScope): boolean {
  return allows(actorIn(ctx, p.org_id), projectRule(scope, p));
}

export function mayTask(ctx: Ctx, t: TaskRec, scope: TaskScope): boolean {
  return allows(actorIn(ctx, t.org_id), taskRule(scope, taskFacts(ctx, t)));
}

export function mayJob(ctx: Ctx, j: JobRec, scope: JobScope): boolean {
  const f = jobFacts(ctx, j);
  return allows(actorIn(ctx, f.task.org_id), jobRule(scope, f));
}

export function getProject(ctx: Ctx, id: number, scope: ProjectScope = 'view'): ProjectRec {
  const p = ctx.emu.state.projects.get(id);
  if (!p) throw notFound();
  if (!mayProject(ctx, p, scope)) throw forbidden();
  return p;
}

export function getTask(ctx: Ctx, id: number, scope: TaskScope = 'view'): TaskRec {
  const t = ctx.emu.state.tasks.get(id);
  if (!t) throw notFound();
  if (!mayTask(ctx, t, scope)) throw forbidden();
  return t;
}

export function getJob(ctx: Ctx, id: number, scope: JobScope = 'view'): JobRec {
  const j = ctx.emu.state.jobs.get(id);
  if (!j) throw notFound();
  if (!mayJob(ctx, j, scope)) throw forbidden();
  return j;
}

/** Several scopes at once (a PATCH changing several fields needs each field's scope). */
export function requireTask(ctx: Ctx, t: TaskRec, scopes: TaskScope[]): void {
  for (const s of scopes) if (!mayTask(ctx, t, s)) throw forbidden();
}

export function requireProject(ctx: Ctx, p: ProjectRec, scopes: ProjectScope[]): void {
  for (const s of scopes) if (!mayProject(ctx, p, s)) throw forbidden();
}

export function requireJob(ctx: Ctx, j: JobRec, scopes: JobScope[]): void {
  for (const s of scopes) if (!mayJob(ctx, j, s)) throw forbidden();
}

/** `create` / `create@project` / `import:backup` in the request's organization. */
export function requireCreate(ctx: Ctx, project?: ProjectRec): void {
  const actor = actorIn(ctx, ctx.emu.orgs.createIn(ctx));
  if (!mayCreate(actor, project)) throw forbidden();
  // The project must also be visible from the request's context (TaskPermission.create adds
  // ProjectPermission.create_scope_view with the request's IAM context).
  if (project && !actor.admin) {
    if (actor.orgId !== null && actor.orgId !== project.org_id) throw forbidden();
    if (!allows(actor, projectRule('view', project))) throw forbidden();
  }
}

/** List filters: the policy's filter, then the request's organization. */
export function projectsListed(ctx: Ctx): (p: ProjectRec) => boolean {
  const f = listFilter<ProjectRec>(ctx, projectListed);
  return (p) => f(p) && ctx.emu.orgs.inContext(ctx, p.org_id);
}

export function tasksListed(ctx: Ctx): (t: TaskRec) => boolean {
  const f = listFilter<TaskFacts>(ctx, taskListed);
  return (t) => f(taskFacts(ctx, t)) && ctx.emu.orgs.inContext(ctx, t.org_id);
}

export function jobsListed(ctx: Ctx): (j: JobRec) => boolean {
  const f = listFilter<JobFacts>(ctx, jobListed);
  return (j) => {
    const t = ctx.emu.state.tasks.get(j.task_id);
    return t !== undefined && f({ ...taskFacts(ctx, t), job: j }) && ctx.emu.orgs.inContext(ctx, t.org_id);
  };
}

function issueFacts(ctx: Ctx, i: IssueRec): (IssueFacts & { task: TaskRec }) | undefined {
  const j = ctx.emu.state.jobs.get(i.job_id);
  return j ? { ...jobFacts(ctx, j), issue: i } : undefined;
}

/** An issue: 404 when missing, 403 unless issues.rego allows the scope. */
export function getIssue(ctx: Ctx, id: number, scope: IssueScope = 'view'): IssueRec {
  const i = ctx.emu.state.issues.get(id);
  const f = i && issueFacts(ctx, i);
  if (!i || !f) throw notFound();
  if (!allows(actorIn(ctx, f.task.org_id), issueRule(scope, f))) throw forbidden();
  return i;
}

/** POST /api/issues: the job's staff, or maintainers (`create@job`). */
export function requireIssueCreate(ctx: Ctx, j: JobRec): void {
  const f = jobFacts(ctx, j);
  if (!allows(actorIn(ctx, f.task.org_id), issueCreateRule(f))) throw forbidden();
}

/** Issues listed: the policy's filter, then the request's organization. */
export function issuesListed(ctx: Ctx): (i: IssueRec) => boolean {
  const f = listFilter<IssueFacts>(ctx, issueListed);
  return (i) => {
    const facts = issueFacts(ctx, i);
    return facts !== undefined && f(facts) && ctx.emu.orgs.inContext(ctx, facts.task.org_id);
  };
}

/** A comment: 404 when missing, 403 unless its owner, the issue's staff or a maintainer asks. */
export function getComment(ctx: Ctx, id: number): CommentRec {
  const c = ctx.emu.state.comments.get(id);
  const i = c && ctx.emu.state.issues.get(c.issue_id);
  const f = i && issueFacts(ctx, i);
  if (!c || !f) throw notFound();
  if (!allows(actorIn(ctx, f.task.org_id), commentRule(f, c.owner_id))) throw forbidden();
  return c;
}

/** Comments listed: their own, and those of the issues the user is staff of (comments.rego). */
export function commentsListed(ctx: Ctx): (c: CommentRec) => boolean {
  const f = listFilter<IssueFacts & { ownerId: number | null }>(
    ctx,
    (a, x) => isIssueStaff(a, x) || x.ownerId === a.user.id,
  );
  return (c) => {
    const i = ctx.emu.state.issues.get(c.issue_id);
    const facts = i && issueFacts(ctx, i);
    return (
      facts !== undefined &&
      f({ ...facts, ownerId: c.owner_id }) &&
      ctx.emu.orgs.inContext(ctx, facts.task.org_id)
    );
  };
}

/** POST /api/jobs: the task must exist (400), be visible, and the user may create its jobs (403). */
export function taskForNewJob(ctx: Ctx, taskId: number): TaskRec {
  const t = ctx.emu.state.tasks.get(taskId);
  if (!t) throw badRequest('Task matching query does not exist.');
  const f = { ...taskFacts(ctx, t), job: undefined };
  const actor = actorIn(ctx, t.org_id);
  if (!allows(actor, taskRule('view', f)) || !allows(actor, jobRule('create', f))) throw forbidden();
  return t;
}
