export type {
  ProgressEvent,
  ProgressView,
  ProgressViewOptions,
  ResultEvent,
  TransferEvent,
  TransferPhase,
  TransferView,
} from './progress';
export { isProgressEvent, isResultEvent, toProgressView } from './progress';
export type { BrowserUploadInput, NamedBlob, UploadSource } from './source';
export {
  fromBlob,
  fromBytes,
  isUploadSource,
  resolveSources,
  toBrowserSource,
  validateSources,
} from './source';
export type { BulkGroup, PlanOptions, UploadPlan } from './plan';
export { MAX_REQUEST_SIZE, planUpload } from './plan';
export type { TransferTransport } from './http';
export { onConfiguredOrigin } from './http';
export type { TusResult, TusResume, TusUploadOptions } from './tus';
export { TUS_CHUNK_SIZE, TUS_MAX_CHUNK_SIZE, TUS_MAX_RETRIES, encodeMetadata, tusUpload } from './tus';
export type { BulkUploadOptions, FormFieldValue } from './bulk';
export { bulkUpload, isResendable } from './bulk';
export type { UploadSessionOptions, UploadSessionResult } from './upload-session';
export { DEFAULT_UPLOAD_CONCURRENCY, uploadSession } from './upload-session';
export type { DownloadedBlob } from './download';
export {
  downloadBlob,
  filenameFromContentDisposition,
  resolveDownloadUrl,
  sanitizeFilename,
} from './download';
export type { ResumeOptions, ResumeStore, StorageLike, UploadRecord } from './resume';
export { ResumeState, identityOf, localStorageStore, recordKey } from './resume';
