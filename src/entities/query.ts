import { UsageError } from '../errors';
import { serializeFilter } from '../pagination/filter';
import type * as F from '../pagination/filter';
import type { Filter } from '../pagination/filter';
import type { QueryParams, QueryScalar } from '../transport/types';

/** Options every `list()` takes; the rest of a query are the resource's own field filters. */
export interface ListOptions<FilterField extends string = string> {
  /** CVAT's JSON-Logic `filter`: built with `filterFor<…>()` (typed fields) or a string as written. */
  readonly filter?: Filter<FilterField> | string;
  /** Field names, `-` for descending: `'-id'` or `['name', '-id']`. */
  readonly sort?: string | readonly string[];
  /** CVAT's free-text `search`. */
  readonly search?: string;
  /** Items per page request (CVAT's `page_size`); the client's default when absent. */
  readonly pageSize?: number;
  /** Pages requested ahead of the consumer (0 = none, the default): bounded concurrency for speed. */
  readonly prefetch?: number;
}

/** A list query: the common options plus the field filters of one resource (`{ status: 'completed' }`). */
export type ListQuery<Fields, FilterFields = Fields> = ListOptions<keyof FilterFields & string> & {
  readonly [K in keyof Fields]?: Fields[K];
};

type Id = number;

export interface TaskQueryFields {
  assignee: string;
  dimension: '1d' | '2d' | '3d';
  media_type: 'image' | 'point_cloud' | 'audio';
  mode: 'annotation' | 'interpolation';
  name: string;
  owner: string;
  project_id: Id;
  project_name: string;
  status: 'annotation' | 'validation' | 'completed';
  subset: string;
  tracker_link: string;
  validation_mode: 'gt' | 'gt_pool';
}
export interface ProjectQueryFields {
  assignee: string;
  name: string;
  owner: string;
  status: 'annotation' | 'validation' | 'completed';
}
export interface JobQueryFields {
  assignee: string;
  dimension: '1d' | '2d' | '3d';
  media_type: 'image' | 'point_cloud' | 'audio';
  mode: 'annotation' | 'interpolation';
  parent_job_id: Id;
  project_id: Id;
  project_name: string;
  stage: 'annotation' | 'validation' | 'acceptance';
  state: 'new' | 'in progress' | 'completed' | 'rejected';
  task_id: Id;
  task_name: string;
  type: 'annotation' | 'ground_truth' | 'consensus_replica';
}
export interface LabelQueryFields {
  color: string;
  job_id: Id;
  name: string;
  parent: string;
  parent_id: Id;
  project_id: Id;
  task_id: Id;
  type: string;
}
export interface UserQueryFields {
  first_name: string;
  is_active: boolean;
  last_name: string;
  username: string;
}
export interface OrganizationQueryFields {
  name: string;
  owner: string;
  slug: string;
}
export interface MembershipQueryFields {
  role: 'worker' | 'supervisor' | 'maintainer' | 'owner';
  user: string;
}
export interface InvitationQueryFields {
  accepted: boolean;
  owner: string;
  user_id: Id;
}
export interface IssueQueryFields {
  assignee: string;
  frame_id: number;
  job_id: Id;
  owner: string;
  resolved: boolean;
  task_id: Id;
}
export interface CommentQueryFields {
  frame_id: number;
  issue_id: Id;
  job_id: Id;
  owner: string;
}
export interface CloudStorageQueryFields {
  credentials_type: string;
  name: string;
  owner: string;
  provider_type: string;
  resource: string;
}
export interface WebhookQueryFields {
  owner: string;
  project_id: Id;
  target_url: string;
  type: 'organization' | 'project';
}
export interface RequestQueryFields {
  action: string;
  format: string;
  job_id: Id;
  project_id: Id;
  status: 'queued' | 'started' | 'failed' | 'finished';
  subresource: string;
  target: string;
  task_id: Id;
}

export type TaskListQuery = ListQuery<TaskQueryFields, F.TaskFilterFields>;
export type ProjectListQuery = ListQuery<ProjectQueryFields, F.ProjectFilterFields>;
export type JobListQuery = ListQuery<JobQueryFields, F.JobFilterFields>;
export type LabelListQuery = ListQuery<LabelQueryFields, F.LabelFilterFields>;
export type UserListQuery = ListQuery<UserQueryFields, F.UserFilterFields>;
export type OrganizationListQuery = ListQuery<OrganizationQueryFields, F.OrganizationFilterFields>;
export type MembershipListQuery = ListQuery<MembershipQueryFields, F.MembershipFilterFields>;
export type InvitationListQuery = ListQuery<InvitationQueryFields, F.InvitationFilterFields>;
export type IssueListQuery = ListQuery<IssueQueryFields, F.IssueFilterFields>;
export type CommentListQuery = ListQuery<CommentQueryFields, F.CommentFilterFields>;
export type CloudStorageListQuery = ListQuery<CloudStorageQueryFields, F.CloudStorageFilterFields>;
export type WebhookListQuery = ListQuery<WebhookQueryFields, F.WebhookFilterFields>;
export type RequestListQuery = ListQuery<RequestQueryFields, F.RequestFilterFields>;

/** What `list()` sends with every page, and how it pages. */
export interface ResolvedListQuery {
  readonly params: QueryParams;
  readonly pageSize: number;
  readonly prefetch: number;
}

const COMMON_KEYS: ReadonlySet<string> = new Set(['filter', 'sort', 'search', 'pageSize', 'prefetch']);

function isScalar(value: unknown): value is QueryScalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * Turns a list query into wire parameters. Validation errors are thrown: call it inside `defer`.
 * `fixed` (a parent's id such as `task_id`) wins over the caller's fields.
 */
export function resolveListQuery(
  query: ListOptions,
  defaultPageSize: number,
  fixed: QueryParams = {},
): ResolvedListQuery {
  const { filter, sort, search, pageSize = defaultPageSize, prefetch = 0 } = query;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new UsageError(`pageSize must be a positive integer, got ${String(pageSize)}`);
  }
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new UsageError(`prefetch must be a whole number >= 0, got ${String(prefetch)}`);
  }
  const params: Record<string, QueryScalar> = {};
  for (const [key, value] of Object.entries(query)) {
    if (COMMON_KEYS.has(key) || value === undefined || value === null) continue;
    if (!isScalar(value)) throw new UsageError(`list filter ${key} must be a string, number or boolean`);
    params[key] = value;
  }
  if (filter !== undefined) params.filter = serializeFilter(filter);
  if (sort !== undefined) params.sort = typeof sort === 'string' ? sort : sort.join(',');
  if (search !== undefined) params.search = search;
  return { params: { ...params, ...fixed }, pageSize, prefetch };
}
