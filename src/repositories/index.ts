import { map, type Observable } from 'rxjs';
import type { CloudStorage, CloudStorageContentOptions, CloudStorageStatus } from '../entities/cloud-storage';
import { cloudStorageOperations, makeCloudStorage } from '../entities/cloud-storage';
import type { ClientContext } from '../entities/context';
import * as d from '../entities/descriptors';
import { type Comment, type Issue, makeComment, makeIssue } from '../entities/issue';
import { type Job, makeJob } from '../entities/job';
import { type Label, makeLabel } from '../entities/label';
import {
  type Invitation,
  type Membership,
  type Organization,
  makeInvitation,
  makeMembership,
  makeOrganization,
} from '../entities/organization';
import { type Project, makeProject } from '../entities/project';
import type {
  CloudStorageListQuery,
  CommentListQuery,
  InvitationListQuery,
  IssueListQuery,
  JobListQuery,
  LabelListQuery,
  MembershipListQuery,
  OrganizationListQuery,
  ProjectListQuery,
  TaskListQuery,
  UserListQuery,
  WebhookListQuery,
} from '../entities/query';
import { requestDecoded, resourceRequest } from '../entities/resource';
import { type Task, makeTask } from '../entities/task';
import { type User, makeUser } from '../entities/user';
import { type Webhook, makeWebhook, webhookOperations } from '../entities/webhook';
import { Events, MetaUser } from '../models';
import type {
  CloudStorageWriteRequest,
  CommentWriteRequest,
  FileInfo,
  WebhookDeliveryRead,
  InvitationWriteRequest,
  IssueWriteRequest,
  JobWriteRequest,
  OrganizationWriteRequest,
  ProjectWriteRequest,
  TaskWriteRequest,
  WebhookWriteRequest,
} from '../models';
import {
  type Creating,
  type Listing,
  type RemovingByIds,
  type RepositoryOperations,
  type Retrieving,
  repositoryOperations,
} from './repository';
import { type RequestsRepository, makeRequestsRepository } from './requests';
import { type QualityRepository, makeQualityRepository } from './quality';
import { type ConsensusRepository, makeConsensusRepository } from './consensus';
import { type AccessTokensRepository, makeAccessTokensRepository } from './access-tokens';
import { type GuidesRepository, makeGuidesRepository } from './guides';
import { type ServerRepository, makeServerRepository } from './server';
import { projectsRepositoryTransfers, tasksRepositoryTransfers } from '../entities/operations/bindings';
import type { ProjectsRepositoryTransfers, TasksRepositoryTransfers } from '../entities/operations/bindings';

export type { RemoveOutcome, Creating, Listing, RemovingByIds, Retrieving } from './repository';
export type {
  LabelMapping,
  LambdaCallParams,
  LambdaDetection,
  LambdaRepository,
  RunOnTaskOptions,
} from './lambda';
export type { LambdaFunction } from './lambda';
export type { RequestsRepository } from './requests';
export type {
  ConflictListQuery,
  QualityReportListQuery,
  QualityRepository,
  QualityTarget,
  RequirementListQuery,
} from './quality';
export type { ConsensusRepository, ConsensusTarget } from './consensus';
export type { AccessTokenListQuery, AccessTokensRepository } from './access-tokens';
export type { GuideOwner, GuidesRepository } from './guides';
export type { ServerRepository, ShareEntry, ShareOptions } from './server';

/** Retrieve, list and remove by ids. */
export type ReadRepository<E, Q, Id = number> = Retrieving<E, Id> & Listing<E, Q> & RemovingByIds<Id>;
/** Create as well. */
export type CrudRepository<E, Spec, Q, Id = number> = ReadRepository<E, Q, Id> & Creating<E, Spec>;

export type TasksRepository = CrudRepository<Task, TaskWriteRequest, TaskListQuery> &
  TasksRepositoryTransfers;
export type ProjectsRepository = CrudRepository<Project, ProjectWriteRequest, ProjectListQuery> &
  ProjectsRepositoryTransfers;
/** `create` makes ground-truth and consensus jobs; annotation jobs come from a task's data. */
export type JobsRepository = CrudRepository<Job, JobWriteRequest, JobListQuery>;
/** Labels are created with their task or project (`labels` in its spec or patch). */
export type LabelsRepository = ReadRepository<Label, LabelListQuery>;
export type UsersRepository = ReadRepository<User, UserListQuery> & {
  /** The user the client is authenticated as (`GET /api/users/self`). */
  retrieveCurrentUser(): Observable<User>;
};
export type OrganizationsRepository = CrudRepository<
  Organization,
  OrganizationWriteRequest,
  OrganizationListQuery
>;
/** Memberships are created by accepting invitations. */
export type MembershipsRepository = ReadRepository<Membership, MembershipListQuery>;
/** Invitations are named by their key. `create` invites into the client's organization. */
export type InvitationsRepository = CrudRepository<
  Invitation,
  InvitationWriteRequest,
  InvitationListQuery,
  string
>;
export type IssuesRepository = CrudRepository<Issue, IssueWriteRequest, IssueListQuery>;
export type CommentsRepository = CrudRepository<Comment, CommentWriteRequest, CommentListQuery>;
export type CloudStoragesRepository = CrudRepository<
  CloudStorage,
  CloudStorageWriteRequest,
  CloudStorageListQuery
> & {
  /** The bucket's entries under a prefix, lazily over `content-v2` pages (see `CloudStorage.content`). */
  content(id: number, options?: CloudStorageContentOptions): Observable<FileInfo>;
  /** Whether the server can reach the bucket (`AVAILABLE`, `NOT_FOUND`, `FORBIDDEN`). */
  status(id: number): Observable<CloudStorageStatus>;
  /** A preview image of the bucket's content. */
  preview(id: number): Observable<Uint8Array>;
};
export type WebhooksRepository = CrudRepository<Webhook, WebhookWriteRequest, WebhookListQuery> & {
  /** The events webhooks of a type can hear (`/api/webhooks/events`). */
  events(type?: 'organization' | 'project'): Observable<Events>;
  /** Pings webhook `id` (see `Webhook.ping`). */
  ping(id: number): Observable<WebhookDeliveryRead>;
};

export interface Repositories {
  readonly tasks: TasksRepository;
  readonly projects: ProjectsRepository;
  readonly jobs: JobsRepository;
  readonly labels: LabelsRepository;
  readonly users: UsersRepository;
  readonly organizations: OrganizationsRepository;
  readonly memberships: MembershipsRepository;
  readonly invitations: InvitationsRepository;
  readonly issues: IssuesRepository;
  readonly comments: CommentsRepository;
  readonly cloudStorages: CloudStoragesRepository;
  readonly webhooks: WebhooksRepository;
  readonly requests: RequestsRepository;
  /** Quality control: settings, reports, conflicts (cvat-core's `analytics.quality`). */
  readonly quality: QualityRepository;
  /** Consensus settings and merging. */
  readonly consensus: ConsensusRepository;
  /** The current user's personal access tokens. */
  readonly accessTokens: AccessTokensRepository;
  /** Annotation guides of tasks and projects. */
  readonly guides: GuidesRepository;
  /** The server: about, formats, plugins, share. */
  readonly server: ServerRepository;
}

/** The generic operations without `create`, for resources the server does not create by POST. */
function withoutCreate<E, Id>({
  create: _create,
  ...rest
}: RepositoryOperations<E, Id>): Omit<RepositoryOperations<E, Id>, 'create'> {
  return rest;
}

/** Every repository of one client; built once per client instance. */
export function makeRepositories(ctx: ClientContext): Repositories {
  const users = repositoryOperations(ctx, d.users, makeUser);
  const webhooks: WebhooksRepository = {
    ...repositoryOperations(ctx, d.webhooks, makeWebhook),
    events: (type) =>
      requestDecoded(
        ctx,
        resourceRequest(d.webhooks, 'GET', `${d.webhooks.path}/events`, 'retrieve_events', {
          query: type === undefined ? {} : { type },
        }),
        Events,
      ),
    ping: (id) => webhookOperations(ctx, id).ping(),
  };
  const cloudStorages: CloudStoragesRepository = {
    ...repositoryOperations(ctx, d.cloudStorages, makeCloudStorage),
    content: (id, options) => cloudStorageOperations(ctx, id).content(options),
    status: (id) => cloudStorageOperations(ctx, id).status(),
    preview: (id) => cloudStorageOperations(ctx, id).preview(),
  };
  return Object.freeze({
    tasks: { ...repositoryOperations(ctx, d.tasks, makeTask), ...tasksRepositoryTransfers(ctx) },
    projects: { ...repositoryOperations(ctx, d.projects, makeProject), ...projectsRepositoryTransfers(ctx) },
    jobs: repositoryOperations(ctx, d.jobs, makeJob),
    labels: withoutCreate(repositoryOperations(ctx, d.labels, makeLabel)),
    users: {
      ...withoutCreate(users),
      retrieveCurrentUser: () =>
        requestDecoded(
          ctx,
          resourceRequest(d.users, 'GET', `${d.users.path}/self`, 'retrieve_self'),
          MetaUser,
        ).pipe(map((model) => makeUser(ctx, model))),
    },
    organizations: repositoryOperations(ctx, d.organizations, makeOrganization),
    memberships: withoutCreate(repositoryOperations(ctx, d.memberships, makeMembership)),
    invitations: repositoryOperations(ctx, d.invitations, makeInvitation),
    issues: repositoryOperations(ctx, d.issues, makeIssue),
    comments: repositoryOperations(ctx, d.comments, makeComment),
    cloudStorages,
    webhooks,
    requests: makeRequestsRepository(ctx),
    quality: makeQualityRepository(ctx),
    consensus: makeConsensusRepository(ctx),
    accessTokens: makeAccessTokensRepository(ctx),
    guides: makeGuidesRepository(ctx),
    server: makeServerRepository(ctx),
  });
}
