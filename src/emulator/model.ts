/** In-memory records of the emulator. Wire shapes are produced by the serializers in resources/. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface UserRec {
  id: number;
  username: string;
  password: string;
  email: string;
  first_name: string;
  last_name: string;
  is_superuser: boolean;
  is_staff: boolean;
  is_active: boolean;
  date_joined: string;
  last_login: string | null;
}

export interface OrgRec {
  id: number;
  slug: string;
  name: string;
  description: string;
  contact: JsonObject;
  owner_id: number;
  created_date: string;
  updated_date: string;
}

export type Role = 'worker' | 'supervisor' | 'maintainer' | 'owner';

export interface MembershipRec {
  id: number;
  user_id: number;
  org_id: number;
  role: Role;
  is_active: boolean;
  joined_date: string | null;
  invitation: string | null;
}

export interface InvitationRec {
  key: string;
  created_date: string;
  owner_id: number;
  role: Role;
  user_id: number;
  org_id: number;
  accepted: boolean;
  membership_id: number;
}

export interface StorageRec {
  id: number;
  location: 'local' | 'cloud_storage';
  cloud_storage_id: number | null;
}

export interface ProjectRec {
  id: number;
  name: string;
  owner_id: number | null;
  assignee_id: number | null;
  assignee_updated_date: string | null;
  bug_tracker: string;
  org_id: number | null;
  status: 'annotation' | 'validation' | 'completed';
  created_date: string;
  updated_date: string;
  source_storage: StorageRec | null;
  target_storage: StorageRec | null;
}

export interface AttributeRec {
  id: number;
  name: string;
  mutable: boolean;
  input_type: string;
  default_value: string;
  values: string[];
}

export interface LabelRec {
  id: number;
  name: string;
  color: string;
  type: string;
  svg: string;
  attributes: AttributeRec[];
  project_id: number | null;
  task_id: number | null;
  parent_id: number | null;
}

export interface FrameRec {
  name: string;
  width: number;
  height: number;
  /** Absolute path of the stored file. */
  path: string;
  mime: string;
}

export interface TaskDataRec {
  id: number;
  frames: FrameRec[];
  chunk_size: number;
  image_quality: number;
  start_frame: number;
  stop_frame: number;
  frame_filter: string;
  deleted_frames: number[];
  storage: 'local' | 'share' | 'cloud_storage';
  /** The cloud storage the data was read from (storage `cloud_storage`). */
  cloud_storage_id?: number | null;
  sorting_method: string;
  chunks_updated_date: string;
}

export interface TaskRec {
  id: number;
  name: string;
  project_id: number | null;
  owner_id: number | null;
  assignee_id: number | null;
  assignee_updated_date: string | null;
  bug_tracker: string;
  org_id: number | null;
  overlap: number | null;
  segment_size: number;
  subset: string;
  status: 'annotation' | 'validation' | 'completed';
  created_date: string;
  updated_date: string;
  consensus_replicas: number;
  validation_mode: string | null;
  source_storage: StorageRec | null;
  target_storage: StorageRec | null;
  data: TaskDataRec | null;
  /** Id of the data-processing request, for the legacy status endpoint. */
  data_rq_id: string | null;
}

export type JobType = 'annotation' | 'ground_truth' | 'consensus_replica';

export interface JobRec {
  id: number;
  task_id: number;
  type: JobType;
  start_frame: number;
  stop_frame: number;
  /** Frames of a ground-truth job (task-relative), null for contiguous segments. */
  frames: number[] | null;
  stage: 'annotation' | 'validation' | 'acceptance';
  state: 'new' | 'in progress' | 'completed' | 'rejected';
  assignee_id: number | null;
  assignee_updated_date: string | null;
  parent_job_id: number | null;
  created_date: string;
  updated_date: string;
}

export interface IssueRec {
  id: number;
  job_id: number;
  frame: number;
  position: number[];
  owner_id: number | null;
  assignee_id: number | null;
  resolved: boolean;
  created_date: string;
  updated_date: string;
}

export interface CommentRec {
  id: number;
  issue_id: number;
  owner_id: number | null;
  message: string;
  created_date: string;
  updated_date: string;
}

export interface AnnotationsRec {
  version: number;
  tags: JsonObject[];
  shapes: JsonObject[];
  tracks: JsonObject[];
}

export type RequestStatus = 'queued' | 'started' | 'finished' | 'failed';

export interface RequestOperation {
  type: string;
  target: string;
  project_id: number | null;
  task_id: number | null;
  job_id: number | null;
  org_id: number | null;
  format: string | null;
  function_id: string | null;
}

export interface RequestRec {
  id: string;
  status: RequestStatus;
  message: string;
  progress: number | null;
  operation: RequestOperation;
  created_date: string;
  started_date: string | null;
  finished_date: string | null;
  expiry_date: string | null;
  owner_id: number;
  /** Path (without host) of the result, turned into result_url when serialized. */
  result_path: string | null;
  result_id: number | null;
  /** File holding an export's result. */
  result_file: string | null;
  result_filename: string | null;
  cancelled: boolean;
}

export interface AccessTokenRec {
  id: number;
  name: string;
  value: string;
  owner_id: number;
  read_only: boolean;
  created_date: string;
  updated_date: string;
  expiry_date: string | null;
  last_used_date: string | null;
}

export const now = (): string => new Date().toISOString();
