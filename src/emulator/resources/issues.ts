import { commentsListed, getComment, getIssue, getJob, issuesListed, requireIssueCreate } from '../access';
import { asObject, optArray, optBool, optInt, optString, reqInt, reqString } from '../body';
import type { Ctx } from '../context';
import { badRequest } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { CommentRec, IssueRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import { Serializer } from '../serialize';

function position(raw: unknown): number[] {
  if (!Array.isArray(raw) || raw.length < 2 || !raw.every((v) => typeof v === 'number'))
    throw badRequest({ position: 'Expected a list of at least 2 numbers.' });
  return raw as number[];
}

function addComment(ctx: Ctx, issueId: number, message: string): CommentRec {
  const id = ctx.emu.state.nextId('comment');
  const t = now();
  const c: CommentRec = {
    id,
    issue_id: issueId,
    owner_id: ctx.requireUser().id,
    message,
    created_date: t,
    updated_date: t,
  };
  ctx.emu.state.comments.set(id, c);
  return c;
}

export function registerIssues(emu: Emulator): void {
  const username = (ctx: Ctx, id: number | null): string | null =>
    id === null ? null : (ctx.emu.state.users.get(id)?.username ?? null);
  const issueSpec = (ctx: Ctx): ListSpec<IssueRec> => ({
    fields: {
      id: (i) => i.id,
      job_id: (i) => i.job_id,
      task_id: (i) => ctx.emu.state.jobs.get(i.job_id)?.task_id ?? null,
      frame_id: (i) => i.frame,
      owner: (i) => username(ctx, i.owner_id),
      assignee: (i) => username(ctx, i.assignee_id),
      resolved: (i) => i.resolved,
    },
    simple: ['job_id', 'task_id', 'frame_id', 'owner', 'assignee', 'resolved'],
    search: ['owner', 'assignee'],
  });
  const commentSpec = (ctx: Ctx): ListSpec<CommentRec> => ({
    fields: {
      id: (c) => c.id,
      issue_id: (c) => c.issue_id,
      job_id: (c) => ctx.emu.state.issues.get(c.issue_id)?.job_id ?? null,
      frame_id: (c) => ctx.emu.state.issues.get(c.issue_id)?.frame ?? null,
      owner: (c) => username(ctx, c.owner_id),
    },
    simple: ['issue_id', 'job_id', 'frame_id', 'owner'],
    search: ['owner'],
  });

  emu.router
    .add('GET', '/api/issues', (ctx) => {
      const s = new Serializer(ctx);
      list(ctx, [...ctx.emu.state.issues.values()].filter(issuesListed(ctx)), issueSpec(ctx), (i) =>
        s.issue(i),
      );
    })
    .add('POST', '/api/issues', async (ctx) => {
      const o = asObject(await ctx.readJson());
      const job = getJob(ctx, reqInt(o, 'job'));
      requireIssueCreate(ctx, job);
      const frame = reqInt(o, 'frame');
      if (frame < job.start_frame || frame > job.stop_frame)
        throw badRequest({
          frame: `The frame number should be in the [${job.start_frame}, ${job.stop_frame}] range.`,
        });
      const message = reqString(o, 'message');
      const assignee = optInt(o, 'assignee') ?? null;
      if (assignee !== null && !ctx.emu.state.users.has(assignee))
        throw badRequest({ assignee: `Invalid pk "${assignee}" - object does not exist.` });
      const id = ctx.emu.state.nextId('issue');
      const t = now();
      const issue: IssueRec = {
        id,
        job_id: job.id,
        frame,
        position: position(optArray(o, 'position')),
        owner_id: ctx.requireUser().id,
        assignee_id: assignee,
        resolved: optBool(o, 'resolved') ?? false,
        created_date: t,
        updated_date: t,
      };
      ctx.emu.state.issues.set(id, issue);
      addComment(ctx, id, message);
      ctx.json(201, new Serializer(ctx).issue(issue));
    })
    .add('GET', '/api/issues/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).issue(getIssue(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/issues/:id', async (ctx) => {
      const issue = getIssue(ctx, ctx.param('id'), 'update');
      const o = asObject(await ctx.readJson());
      const assignee = optInt(o, 'assignee');
      if (assignee !== undefined) {
        if (assignee !== null && !ctx.emu.state.users.has(assignee))
          throw badRequest({ assignee: `Invalid pk "${assignee}" - object does not exist.` });
        issue.assignee_id = assignee;
      }
      if (o.position !== undefined) issue.position = position(o.position);
      issue.resolved = optBool(o, 'resolved') ?? issue.resolved;
      issue.updated_date = now();
      ctx.json(200, new Serializer(ctx).issue(issue));
    })
    .add('DELETE', '/api/issues/:id', (ctx) => {
      const issue = getIssue(ctx, ctx.param('id'), 'delete');
      for (const c of [...ctx.emu.state.comments.values()])
        if (c.issue_id === issue.id) ctx.emu.state.comments.delete(c.id);
      ctx.emu.state.issues.delete(issue.id);
      ctx.empty(204);
    })
    .add('GET', '/api/comments', (ctx) => {
      const s = new Serializer(ctx);
      const items = [...ctx.emu.state.comments.values()].filter(commentsListed(ctx));
      list(ctx, items, commentSpec(ctx), (c) => s.comment(c));
    })
    .add('POST', '/api/comments', async (ctx) => {
      const o = asObject(await ctx.readJson());
      const issue = getIssue(ctx, reqInt(o, 'issue'));
      const c = addComment(ctx, issue.id, optString(o, 'message') ?? '');
      ctx.json(201, new Serializer(ctx).comment(c));
    })
    .add('GET', '/api/comments/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).comment(getComment(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/comments/:id', async (ctx) => {
      const c = getComment(ctx, ctx.param('id'));
      const o = asObject(await ctx.readJson());
      c.message = optString(o, 'message') ?? c.message;
      c.updated_date = now();
      ctx.json(200, new Serializer(ctx).comment(c));
    })
    .add('DELETE', '/api/comments/:id', (ctx) => {
      const c = getComment(ctx, ctx.param('id'));
      ctx.emu.state.comments.delete(c.id);
      ctx.empty(204);
    });
}
