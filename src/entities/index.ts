export type { AnnotationAction, AnnotationOperations, AnnotationsInput } from './annotations';
export type { Fetchable, Removable, Snapshot, Updatable } from './base';
export type {
  CloudStorage,
  CloudStorageContentOptions,
  CloudStorageOperations,
  CloudStorageStatus,
} from './cloud-storage';
export type { ClientContext } from './context';
export type { Comment, Issue } from './issue';
export type { Job } from './job';
export type { Label } from './label';
export type { Invitation, Membership, Organization } from './organization';
export type { Project } from './project';
export type * from './query';
export type { Task } from './task';
export type { User } from './user';
export type { Webhook, WebhookOperations } from './webhook';
