import type { CancelCleanup } from '../entities/operations';
import type { Observable } from 'rxjs';
import type { AutoAnnotationBackend } from './backend-functions';

/**
 * The narrow interface between the `cvat-rx` command line and the library. One method per
 * command; every method returns a cold Observable (nothing happens before subscribe, and
 * unsubscribing aborts requests and removes temporary files). Errors travel in the error channel
 * as `CvatError`s (src/errors.ts): the CLI maps their class to its exit code.
 */

export type * from './backend-events';
import type {
  TransferEvent,
  TaskSummary,
  ProjectSummary,
  Created,
  SavedFile,
  SavedFiles,
  DeleteOutcome,
} from './backend-events';

/** A label as given to `--labels` (CVAT's label spec; at least a name). */
export interface LabelInput {
  readonly name: string;
  readonly [field: string]: unknown;
}

export type ResourceType = 'local' | 'share' | 'remote';
export type SortingMethod = 'lexicographical' | 'natural' | 'predefined' | 'random';
export type FrameQuality = 'original' | 'compressed';

/** cvat-cli's `--completion_verification_period`, when given (otherwise the library's backoff). */
export interface PollOptions {
  readonly pollIntervalMs?: number;
}

/** A file to upload together with its format name (`--annotation_path` / `--dataset_path`). */
export interface FormattedFile {
  readonly path: string;
  readonly format: string;
}

export interface CreateTaskArgs extends PollOptions {
  readonly name: string;
  readonly resourceType: ResourceType;
  /** File paths (local), paths on the share (share) or URLs (remote). */
  readonly resources: readonly string[];
  /** TaskWriteRequest fields. */
  readonly spec: {
    readonly labels?: readonly LabelInput[];
    readonly projectId?: number;
    readonly bugTracker?: string;
    readonly overlap?: number;
    readonly segmentSize?: number;
  };
  /** DataRequest fields; `frameStep` becomes `frame_filter: "step=N"`. */
  readonly data: {
    readonly imageQuality: number;
    readonly sortingMethod: SortingMethod;
    readonly useCache: boolean;
    readonly useZipChunks: boolean;
    readonly copyData: boolean;
    readonly chunkSize?: number;
    readonly frameStep?: number;
    readonly startFrame?: number;
    readonly stopFrame?: number;
    readonly cloudStorageId?: number;
    readonly filenamePattern?: string;
  };
  /** Annotations to import once the data is processed. */
  readonly annotations?: FormattedFile;
}

export interface CreateProjectArgs extends PollOptions {
  readonly name: string;
  readonly labels?: readonly LabelInput[];
  readonly bugTracker?: string;
  /** A dataset to import into the new project. */
  readonly dataset?: FormattedFile;
}

export interface DownloadFramesArgs {
  readonly taskId: number;
  readonly frameIds: readonly number[];
  /** Directory for the files, named like cvat-cli: `task_<id>_frame_<NNNNNN><ext>`. */
  readonly outdir: string;
  readonly quality: FrameQuality;
  /** `--overwrite`: replace files that exist (otherwise the command fails before writing them). */
  readonly overwrite?: boolean;
}

export interface ExportDatasetArgs extends PollOptions {
  readonly id: number;
  readonly filename: string;
  readonly format: string;
  readonly includeImages: boolean;
  /** `--overwrite`: replace the file when it exists. */
  readonly overwrite?: boolean;
}

export interface ImportDatasetArgs extends PollOptions {
  readonly id: number;
  readonly filename: string;
  readonly format: string;
}

export interface BackupArgs extends PollOptions {
  readonly id: number;
  readonly filename: string;
  /** `--overwrite`: replace the file when it exists. */
  readonly overwrite?: boolean;
}

export interface RestoreArgs extends PollOptions {
  readonly filename: string;
}

/** `quality report`: a task's or a project's report, computed now. */
export interface QualityReportArgs extends PollOptions {
  readonly taskId?: number;
  readonly projectId?: number;
}

/** A computed report: its id and the server's object (what `--json` prints). */
export interface QualityReportResult {
  readonly id: number;
  readonly json: Readonly<Record<string, unknown>>;
}

/** `consensus merge`: every annotation job of a task, or one job. */
export interface ConsensusMergeArgs extends PollOptions {
  readonly taskId?: number;
  readonly jobId?: number;
}

/** `storage ls`: one level of a cloud storage's bucket. */
export interface StorageListArgs {
  readonly storageId: number;
  readonly prefix?: string;
}

/** One entry of a bucket listing. */
export interface StorageEntry {
  readonly name: string;
  readonly type: 'REG' | 'DIR';
  readonly mimeType: string;
}

/** One line of `server check`. */
export interface ServerCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface CliBackend {
  /** `server check`: read-only checks of the server, one per line (see src/cli/server-check.ts). */
  checkServer(args: { readonly origin?: string }): Observable<ServerCheck>;
  listTasks(): Observable<TaskSummary>;
  createTask(args: CreateTaskArgs): Observable<TransferEvent<Created>>;
  deleteTasks(ids: readonly number[]): Observable<DeleteOutcome>;
  downloadFrames(args: DownloadFramesArgs): Observable<TransferEvent<SavedFiles>>;
  exportTaskDataset(args: ExportDatasetArgs): Observable<TransferEvent<SavedFile>>;
  importTaskDataset(args: ImportDatasetArgs): Observable<TransferEvent<void>>;
  backupTask(args: BackupArgs): Observable<TransferEvent<SavedFile>>;
  createTaskFromBackup(args: RestoreArgs): Observable<TransferEvent<Created>>;

  listProjects(): Observable<ProjectSummary>;
  createProject(args: CreateProjectArgs): Observable<TransferEvent<Created>>;
  deleteProjects(ids: readonly number[]): Observable<DeleteOutcome>;
  exportProjectDataset(args: ExportDatasetArgs): Observable<TransferEvent<SavedFile>>;
  importProjectDataset(args: ImportDatasetArgs): Observable<TransferEvent<void>>;
  backupProject(args: BackupArgs): Observable<TransferEvent<SavedFile>>;
  createProjectFromBackup(args: RestoreArgs): Observable<TransferEvent<Created>>;

  // Optional, so that test backends need not have them: the commands say so when one is missing.
  qualityReport?(args: QualityReportArgs): Observable<TransferEvent<QualityReportResult>>;
  consensusMerge?(args: ConsensusMergeArgs): Observable<TransferEvent<void>>;
  listStorage?(args: StorageListArgs): Observable<StorageEntry>;
  /** `task auto-annotate` and `function …` (absent in backends without them). */
  readonly autoAnnotation?: AutoAnnotationBackend;
}

export type Credentials =
  | { readonly kind: 'password'; readonly username: string; readonly password: string }
  | { readonly kind: 'token'; readonly token: string };

export interface ConnectionOptions {
  /** Full server URL, port included (`--server-host` + `--server-port`). */
  readonly host: string;
  readonly credentials: Credentials;
  /** `--org`: undefined = not given (all objects), '' = personal workspace. */
  readonly organization?: string;
  /** false with `--insecure`. */
  readonly verifySsl: boolean;
  /** Present with `--debug`: a sink for request-level debug lines (already redacted by the CLI). */
  readonly debug?: (line: string) => void;
  /**
   * Told when Ctrl-C cancels a command after it created something on the server (a task) and
   * the backend removes it; the CLI waits for the removal and says how it went before exiting.
   */
  readonly onCancelCleanup?: (cleanup: CancelCleanup) => void;
}

export interface EmulatorArgs {
  readonly port?: number;
  readonly host?: string;
  readonly shareDir?: string;
  /** The admin user; admin/admin when absent. */
  readonly user?: { readonly username: string; readonly password: string };
  readonly processingDelayMs?: number;
  readonly allowedOrigins?: readonly string[];
  readonly allowedHosts?: readonly string[];
}

/** Emitted once the emulator listens; `message` is extra help printed on stderr. */
export interface EmulatorStatus {
  readonly url: string;
  readonly message?: string;
}

/** What `runCli` needs from the library. The real one lives in ./client-backend. */
export interface CliBackendFactory {
  /** Synchronous and side-effect free: login happens lazily inside each command's Observable. */
  connect(options: ConnectionOptions): CliBackend;
  /** Runs the embedded emulator until unsubscribed (which closes it). */
  startEmulator(args: EmulatorArgs): Observable<EmulatorStatus>;
}
