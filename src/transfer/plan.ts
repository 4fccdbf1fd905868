import type { UploadSource } from './source';

/** CVAT's request body ceiling (Django's DATA_UPLOAD_MAX_MEMORY_SIZE), as CVAT's SDK uses it. */
export const MAX_REQUEST_SIZE = 100 * 2 ** 20;

/** Small files sent together in one `Upload-Multiple` multipart request. */
export interface BulkGroup {
  readonly sources: readonly UploadSource[];
  /** The sum of the files' sizes (multipart overhead not included). */
  readonly size: number;
}

export interface UploadPlan {
  /** Bulk groups in input order, each at most `maxRequestSize` bytes of file data. */
  readonly bulk: readonly BulkGroup[];
  /** Files sent one by one with TUS, in input order. */
  readonly tus: readonly UploadSource[];
  /** The sum of every file's size. */
  readonly total: number;
}

export interface PlanOptions {
  /** The largest bulk request, in bytes of file data (default 100 MiB). Larger files go by TUS. */
  readonly maxRequestSize?: number;
  /** `tus` sends every file by TUS (imports and backups); `auto` (default) packs small files. */
  readonly mode?: 'auto' | 'tus';
}

/**
 * Splits files as CVAT's SDK does: a file larger than the limit, or one that cannot become a
 * Blob (a one-shot stream), goes by TUS; the others are packed greedily in input order, a group
 * closing when the next file would take it over the limit.
 */
export function planUpload(sources: readonly UploadSource[], options: PlanOptions = {}): UploadPlan {
  const limit = options.maxRequestSize ?? MAX_REQUEST_SIZE;
  const bulk: BulkGroup[] = [];
  const tus: UploadSource[] = [];
  let group: UploadSource[] = [];
  let groupSize = 0;
  let total = 0;
  for (const source of sources) {
    total += source.size;
    if (options.mode === 'tus' || source.size > limit || !source.seekable || source.blob === undefined) {
      tus.push(source);
      continue;
    }
    if (group.length > 0 && groupSize + source.size > limit) {
      bulk.push({ sources: group, size: groupSize });
      group = [];
      groupSize = 0;
    }
    group.push(source);
    groupSize += source.size;
  }
  if (group.length > 0) bulk.push({ sources: group, size: groupSize });
  return { bulk, tus, total };
}
