export type { NodeUploadInput } from './sources';
export { fromPath, fromReadable, resolveNodeSources, toNodeSource } from './sources';
export type { DownloadToFileOptions, DownloadedFile } from './download-to-file';
export { downloadToFile } from './download-to-file';
export { uploadFiles } from './upload';
export { nodePlatform } from './platform';
export { makeNodeClient, toFile } from './client';
export { fileStore } from './resume-store';
