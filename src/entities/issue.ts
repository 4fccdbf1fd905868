import type { Observable } from 'rxjs';
import type { CommentRead, IssueRead, PatchedCommentWriteRequest, PatchedIssueWriteRequest } from '../models';
import type { QueryParams } from '../transport/types';
import { listEntities, modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { comments, issues } from './descriptors';
import type { CommentListQuery, IssueListQuery } from './query';

/** An issue snapshot: `IssueRead` fields as readonly properties, except `comments` (a list here). */
export interface Issue
  extends
    Readonly<Omit<IssueRead, 'id' | 'comments'>>,
    Snapshot<IssueRead>,
    Fetchable<Issue>,
    Updatable<Issue, PatchedIssueWriteRequest>,
    Removable {
  /** The issue's comments (`GET /api/comments?issue_id=`). */
  comments(query?: CommentListQuery): Observable<Comment>;
}

/** A comment snapshot (`CommentRead`). */
export interface Comment
  extends
    Readonly<Omit<CommentRead, 'id'>>,
    Snapshot<CommentRead>,
    Fetchable<Comment>,
    Updatable<Comment, PatchedCommentWriteRequest>,
    Removable {}

export function makeIssue(ctx: ClientContext, model: IssueRead): Issue {
  const { id } = snapshotOf(issues, model);
  const { id: _id, comments: _comments, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, issues, id, makeIssue),
    comments: (query: CommentListQuery = {}) => listComments(ctx, query, { issue_id: id }),
  });
}

export function makeComment(ctx: ClientContext, model: CommentRead): Comment {
  const { id } = snapshotOf(comments, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({ ...fields, id, model, ...modelOperations(ctx, comments, id, makeComment) });
}

export function listIssues(
  ctx: ClientContext,
  query: IssueListQuery,
  parent?: QueryParams,
): Observable<Issue> {
  return listEntities(ctx, issues, makeIssue, query, parent);
}

export function listComments(
  ctx: ClientContext,
  query: CommentListQuery,
  parent?: QueryParams,
): Observable<Comment> {
  return listEntities(ctx, comments, makeComment, query, parent);
}
