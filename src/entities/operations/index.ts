/** Long operations over a ClientContext: task data, imports, restores, exports, backups, frames. */
export type { ObserveOptions, Observed } from './observe';
export { observeAs } from './observe';
export type { OperationsContext } from '../context';
export type { PlatformCarrier, SaveDestination, SavedFile, TransferPlatform, UploadInput } from './platform';
export { browserPlatform, platformOf } from './platform';
export { followRequest } from './processing';
export { ProjectCreationError, TaskCreationError } from './errors';
export type { CreationFailure } from './errors';
export type { CreateFromDatasetOptions, CreateFromDatasetParams } from './project-dataset';
export { checkProjectSpec, createProjectFromDataset } from './project-dataset';
export type { CancelCleanup, CancelCleanupOptions } from './cancel-cleanup';
export type {
  CreateFromDataOptions,
  CreateTaskFromDataParams,
  DataParams,
  TaskDataParams,
  UploadDataOptions,
  UploadDataResult,
  UploadTuning,
} from './task-data';
export {
  DEFAULT_IMAGE_QUALITY,
  ResourceType,
  checkTaskSpec,
  createTaskFromData,
  dataBody,
  uploadTaskData,
} from './task-data';
export type { CloudSource, ImportAnnotationsOptions, ImportInput, ImportOptions } from './imports';
export {
  createProjectFromBackup,
  createTaskFromBackup,
  importAnnotations,
  importDataset,
  isCloudSource,
} from './imports';
export type {
  BackupOptions,
  CloudExport,
  CloudStorageTarget,
  DownloadOptions,
  DownloadSink,
  ExportDatasetOptions,
  ExportableResource,
} from './exports';
export { downloadBackup, exportDataset, toBlob } from './exports';
export type {
  DataOptions,
  DownloadFramesOptions,
  FrameData,
  FrameQuality,
  FramesOptions,
  MediaResource,
} from './frames';
export {
  chunk,
  downloadFrames,
  extensionOf,
  frame,
  frameData,
  frameFilename,
  frames,
  meta,
  preview,
} from './frames';
export { editDeletedFrames } from './deleted-frames';
export type { Sample, SamplesCacheOptions, SamplesInfo, SamplesOptions } from './samples';
export { projectSamples, sample, samples, samplesInfo } from './samples';
export type { UnzipLimits, UnzippedEntry } from './unzip';
export { unzip } from './unzip';
export type {
  DownloadBackupMethod,
  ExportDatasetMethod,
  JobTransfers,
  MediaOperations,
  ProjectTransfers,
  ProjectsRepositoryTransfers,
  TaskTransfers,
  TasksRepositoryTransfers,
} from './bindings';
