import {
  CloudStorageRead,
  CommentRead,
  InvitationRead,
  IssueRead,
  JobRead,
  Label,
  MembershipRead,
  MetaUser,
  OrganizationRead,
  PaginatedCloudStorageReadList,
  PaginatedCommentReadList,
  PaginatedInvitationReadList,
  PaginatedIssueReadList,
  PaginatedJobReadList,
  PaginatedLabelList,
  PaginatedMembershipReadList,
  PaginatedMetaUserList,
  PaginatedOrganizationReadList,
  PaginatedProjectReadList,
  PaginatedRequestList,
  PaginatedTaskReadList,
  PaginatedWebhookReadList,
  ProjectRead,
  Request,
  TaskRead,
  WebhookRead,
} from '../models';
import type { ResourceDescriptor } from './resource';

const byId = (data: { readonly id?: number | undefined }): number | undefined => data.id;

/** The thirteen collections of the high-level client, one small record each. */
export const tasks: ResourceDescriptor<TaskRead, PaginatedTaskReadList> = {
  tag: 'tasks',
  path: '/api/tasks',
  read: TaskRead,
  page: PaginatedTaskReadList,
  idOf: byId,
};

export const projects: ResourceDescriptor<ProjectRead, PaginatedProjectReadList> = {
  tag: 'projects',
  path: '/api/projects',
  read: ProjectRead,
  page: PaginatedProjectReadList,
  idOf: byId,
};

export const jobs: ResourceDescriptor<JobRead, PaginatedJobReadList> = {
  tag: 'jobs',
  path: '/api/jobs',
  read: JobRead,
  page: PaginatedJobReadList,
  idOf: byId,
};

export const labels: ResourceDescriptor<Label, PaginatedLabelList> = {
  tag: 'labels',
  path: '/api/labels',
  read: Label,
  page: PaginatedLabelList,
  idOf: byId,
};

export const users: ResourceDescriptor<MetaUser, PaginatedMetaUserList> = {
  tag: 'users',
  path: '/api/users',
  read: MetaUser,
  page: PaginatedMetaUserList,
  idOf: byId,
};

/** Organizations are not inside an organization: these routes never carry the context. */
export const organizations: ResourceDescriptor<OrganizationRead, PaginatedOrganizationReadList> = {
  tag: 'organizations',
  path: '/api/organizations',
  read: OrganizationRead,
  page: PaginatedOrganizationReadList,
  idOf: byId,
  withoutOrganization: true,
};

export const memberships: ResourceDescriptor<MembershipRead, PaginatedMembershipReadList> = {
  tag: 'memberships',
  path: '/api/memberships',
  read: MembershipRead,
  page: PaginatedMembershipReadList,
  idOf: byId,
};

/** Invitations are named by their key, not a number. */
export const invitations: ResourceDescriptor<InvitationRead, PaginatedInvitationReadList, string> = {
  tag: 'invitations',
  path: '/api/invitations',
  read: InvitationRead,
  page: PaginatedInvitationReadList,
  idOf: (data) => data.key,
};

export const issues: ResourceDescriptor<IssueRead, PaginatedIssueReadList> = {
  tag: 'issues',
  path: '/api/issues',
  read: IssueRead,
  page: PaginatedIssueReadList,
  idOf: byId,
};

export const comments: ResourceDescriptor<CommentRead, PaginatedCommentReadList> = {
  tag: 'comments',
  path: '/api/comments',
  read: CommentRead,
  page: PaginatedCommentReadList,
  idOf: byId,
};

export const cloudStorages: ResourceDescriptor<CloudStorageRead, PaginatedCloudStorageReadList> = {
  tag: 'cloudstorages',
  path: '/api/cloudstorages',
  read: CloudStorageRead,
  page: PaginatedCloudStorageReadList,
  idOf: byId,
};

export const webhooks: ResourceDescriptor<WebhookRead, PaginatedWebhookReadList> = {
  tag: 'webhooks',
  path: '/api/webhooks',
  read: WebhookRead,
  page: PaginatedWebhookReadList,
  idOf: byId,
};

/** Server requests are named by their rq_id. */
export const requests: ResourceDescriptor<Request, PaginatedRequestList, string> = {
  tag: 'requests',
  path: '/api/requests',
  read: Request,
  page: PaginatedRequestList,
  idOf: (data) => data.id,
};
