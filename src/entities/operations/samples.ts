import { EMPTY, defer, forkJoin, from, mergeMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../../errors';
import type { LabeledData } from '../../models';
import { annotationOperations } from '../annotations';
import type { ClientContext } from '../context';
import { tasks } from '../descriptors';
import { chunk, meta } from './frames';
import type { FrameQuality } from './frames';
import { unzip } from './unzip';

type Tag = NonNullable<LabeledData['tags']>[number];
type Shape = NonNullable<LabeledData['shapes']>[number];

/** One frame of a task with its annotations, as CVAT's Python `TaskDataset` gives it. */
export interface Sample {
  readonly frame: number;
  /** The frame's file name in the task. */
  readonly name: string | undefined;
  /** The encoded image (JPEG/PNG…) as the chunk holds it. */
  readonly image: Uint8Array;
  /** The frame's tags and shapes (tracks are not expanded into frames, as in CVAT's SDK). */
  readonly annotations: { readonly tags: readonly Tag[]; readonly shapes: readonly Shape[] };
}

export interface SamplesOptions {
  /** Chunks downloaded at once (default 4, as CVAT's TaskDataset uses 4 threads). */
  readonly concurrency?: number;
  /** Chunk quality (default `original`: the images as uploaded). */
  readonly quality?: FrameQuality;
  /** Also emit frames marked deleted (default false). */
  readonly includeDeleted?: boolean;
}

/**
 * The frames of an image task with their annotations, read chunk by chunk (one request per chunk,
 * `concurrency` at a time), for ML pipelines. Samples of one chunk are emitted in frame order;
 * chunks in arrival order. Video tasks (chunks are video segments) are a UsageError.
 */
export function samples(
  ctx: ClientContext,
  taskId: number,
  options: SamplesOptions = {},
): Observable<Sample> {
  const concurrency = options.concurrency ?? 4;
  return defer(() => {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`Invalid concurrency ${concurrency}`);
    return forkJoin([meta(ctx, 'tasks', taskId), annotationOperations(ctx, tasks, taskId).getAnnotations()]);
  }).pipe(
    mergeMap(([info, annotations]) => {
      const size = info.size ?? info.frames?.length ?? 0;
      const chunkSize = info.chunk_size ?? 0;
      if (size === 0) return EMPTY;
      if (!(chunkSize > 0)) throw new UsageError(`Task ${taskId} reports no chunk size`);
      const deleted = new Set(options.includeDeleted ? [] : (info.deleted_frames ?? []));
      const byFrame = (frame: number) => ({
        tags: (annotations.tags ?? []).filter((tag) => tag.frame === frame),
        shapes: (annotations.shapes ?? []).filter((shape) => shape.frame === frame),
      });
      const indexes = Array.from({ length: Math.ceil(size / chunkSize) }, (_, i) => i);
      return from(indexes).pipe(
        mergeMap(
          (index) =>
            chunk(ctx, 'tasks', taskId, index, { quality: options.quality ?? 'original' }).pipe(
              mergeMap(async (bytes) => {
                if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
                  throw new UsageError(`Task ${taskId} has video chunks; samples() reads image tasks`);
                }
                const entries = (await unzip(bytes)).sort((a, b) =>
                  a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
                );
                return entries.flatMap((entry, i): Sample[] => {
                  const frame = index * chunkSize + i;
                  if (frame >= size || deleted.has(frame)) return [];
                  return [
                    {
                      frame,
                      name: info.frames?.[frame]?.name,
                      image: entry.data,
                      annotations: byFrame(frame),
                    },
                  ];
                });
              }),
              mergeMap((list) => from(list)),
            ),
          concurrency,
        ),
      );
    }),
  );
}
