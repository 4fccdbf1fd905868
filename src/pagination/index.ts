export { DEFAULT_PAGE_SIZE, collectAll, pages, paginate } from './paginate';
export type { CollectOptions, Page, PageFetcher, PaginateOptions } from './paginate';
export { Filter, f, filterFor, serializeFilter } from './filter';
export type {
  FieldOf,
  JobStage,
  JobState,
  JobStatus,
  CloudStorageFilterFields,
  CommentFilterFields,
  FilterBuilder,
  FilterExpression,
  FilterScalar,
  FilterShape,
  FilterVar,
  InvitationFilterFields,
  IssueFilterFields,
  JobFilterFields,
  LabelFilterFields,
  MembershipFilterFields,
  OrganizationFilterFields,
  ProjectFilterFields,
  RequestFilterFields,
  TaskFilterFields,
  UserFilterFields,
  WebhookFilterFields,
} from './filter';
