import { EMPTY, concatMap, defer, forkJoin, from, map, mergeMap, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../../errors';
import type { DataMetaRead, Label, LabeledData } from '../../models';
import type { FrameQuality } from './frames';
import type { OperationsContext } from '../context';
import { projectTaskIds, sampleSource } from './sample-source';
import type { SampleSource, SamplesCacheOptions } from './sample-source';
import { chunkImages } from './unzip';

export type { SamplesCacheOptions } from './sample-source';

type Tag = NonNullable<LabeledData['tags']>[number];
type Shape = NonNullable<LabeledData['shapes']>[number];

/** One frame of a task with its annotations, as CVAT's Python `TaskDataset` gives it. */
export interface Sample {
  /** The task the frame belongs to (project samples come from several tasks). */
  readonly taskId: number;
  readonly frame: number;
  /** The frame's file name in the task. */
  readonly name: string | undefined;
  /** The encoded image (JPEG/PNG…) as the chunk holds it. */
  readonly image: Uint8Array;
  /**
   * The frame's tags and shapes (tracks are not expanded into frames, as in CVAT's SDK); empty
   * with `loadAnnotations: false`.
   */
  readonly annotations: { readonly tags: readonly Tag[]; readonly shapes: readonly Shape[] };
}

export interface SamplesOptions {
  /** Chunks downloaded at once (default 4, as CVAT's TaskDataset uses 4 threads). */
  readonly concurrency?: number;
  /** Chunk quality (default `original`: the images as uploaded). */
  readonly quality?: FrameQuality;
  /** Also emit frames marked deleted (default false). */
  readonly includeDeleted?: boolean;
  /** Fetch the annotations (default true); without them samples have empty annotations. */
  readonly loadAnnotations?: boolean;
  /** A cache folder (Node platform), optionally offline: see {@link SamplesCacheOptions}. */
  readonly cache?: SamplesCacheOptions;
}

/** What a task's samples are, as `TaskDataset.labels` and `len(TaskDataset)` tell. */
export interface SamplesInfo {
  readonly labels: readonly Label[];
  /** How many samples there are (`sample(i)` takes 0 ≤ i < size). */
  readonly size: number;
  /** The task frame number of each sample, in order. */
  readonly frames: readonly number[];
}

const NO_ANNOTATIONS: LabeledData = { version: 0, tags: [], shapes: [], tracks: [] };

/** The frame numbers samples are made of, in order. */
function sampleFrames(info: DataMetaRead, includeDeleted: boolean | undefined): number[] {
  const size = info.size ?? info.frames?.length ?? 0;
  const deleted = new Set(includeDeleted ? [] : (info.deleted_frames ?? []));
  return Array.from({ length: size }, (_, i) => i).filter((frame) => !deleted.has(frame));
}

function chunkSizeOf(taskId: number, info: DataMetaRead): number {
  const chunkSize = info.chunk_size ?? 0;
  if (!(chunkSize > 0)) throw new UsageError(`Task ${taskId} reports no chunk size`);
  return chunkSize;
}

/** A chunk's images in frame order; video chunks are a UsageError. */
async function imagesOf(taskId: number, bytes: Uint8Array): Promise<Uint8Array[]> {
  const images = await chunkImages(bytes);
  if (!images) throw new UsageError(`Task ${taskId} has video chunks; samples() reads image tasks`);
  return images;
}

/** The data every sample of a task needs: the source, meta and (maybe) annotations. */
function prepare(
  ctx: OperationsContext,
  taskId: number,
  options: SamplesOptions,
): Observable<{ source: SampleSource; info: DataMetaRead; annotations: LabeledData }> {
  return sampleSource(ctx, taskId, options.quality ?? 'original', options.cache).pipe(
    switchMap((source) =>
      forkJoin({
        source: of(source),
        info: source.meta(),
        annotations: options.loadAnnotations === false ? of(NO_ANNOTATIONS) : source.annotations(),
      }),
    ),
  );
}

function makeSample(
  taskId: number,
  info: DataMetaRead,
  annotations: LabeledData,
  frame: number,
  image: Uint8Array,
): Sample {
  return {
    taskId,
    frame,
    name: info.frames?.[frame]?.name,
    image,
    annotations: {
      tags: (annotations.tags ?? []).filter((tag) => tag.frame === frame),
      shapes: (annotations.shapes ?? []).filter((shape) => shape.frame === frame),
    },
  };
}

/**
 * The frames of an image task with their annotations, read chunk by chunk (one request per chunk,
 * `concurrency` at a time), for ML pipelines. Samples of one chunk are emitted in frame order;
 * chunks in arrival order. Video tasks (chunks are video segments) are a UsageError. With a cache
 * folder, what is cached and current is not fetched again; offline, nothing is.
 */
export function samples(
  ctx: OperationsContext,
  taskId: number,
  options: SamplesOptions = {},
): Observable<Sample> {
  const concurrency = options.concurrency ?? 4;
  return defer(() => {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`Invalid concurrency ${concurrency}`);
    return prepare(ctx, taskId, options);
  }).pipe(
    mergeMap(({ source, info, annotations }) => {
      const wanted = sampleFrames(info, options.includeDeleted);
      if (wanted.length === 0) return EMPTY;
      const chunkSize = chunkSizeOf(taskId, info);
      const wantedSet = new Set(wanted);
      const indexes = [...new Set(wanted.map((frame) => Math.floor(frame / chunkSize)))];
      return from(indexes).pipe(
        mergeMap(
          (index) =>
            source.chunk(index).pipe(
              mergeMap((bytes) => imagesOf(taskId, bytes)),
              mergeMap((images) =>
                from(
                  images.flatMap((image, i): Sample[] => {
                    const frame = index * chunkSize + i;
                    return wantedSet.has(frame) ? [makeSample(taskId, info, annotations, frame, image)] : [];
                  }),
                ),
              ),
            ),
          concurrency,
        ),
      );
    }),
  );
}

/**
 * The `index`-th sample (0-based, among the frames `samples()` gives), fetching only the chunk
 * that holds it. An index out of range is a UsageError.
 */
export function sample(
  ctx: OperationsContext,
  taskId: number,
  index: number,
  options: Omit<SamplesOptions, 'concurrency'> = {},
): Observable<Sample> {
  return defer(() => {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new UsageError(`Sample index must be an integer >= 0, got ${index}`);
    return prepare(ctx, taskId, options);
  }).pipe(
    switchMap(({ source, info, annotations }) => {
      const wanted = sampleFrames(info, options.includeDeleted);
      const frame = wanted[index];
      if (frame === undefined)
        throw new UsageError(`Task ${taskId} has ${wanted.length} samples; index ${index} is out of range`);
      const chunkSize = chunkSizeOf(taskId, info);
      const chunkIndex = Math.floor(frame / chunkSize);
      return source.chunk(chunkIndex).pipe(
        mergeMap((bytes) => imagesOf(taskId, bytes)),
        map((images) => {
          const image = images[frame - chunkIndex * chunkSize];
          if (image === undefined)
            throw new UsageError(`Task ${taskId}: chunk ${chunkIndex} lacks frame ${frame}`);
          return makeSample(taskId, info, annotations, frame, image);
        }),
      );
    }),
  );
}

/** The task's labels, the number of samples and their frame numbers (cached with the samples). */
export function samplesInfo(
  ctx: OperationsContext,
  taskId: number,
  options: Pick<SamplesOptions, 'cache' | 'includeDeleted' | 'quality'> = {},
): Observable<SamplesInfo> {
  return sampleSource(ctx, taskId, options.quality ?? 'original', options.cache).pipe(
    switchMap((source) => forkJoin({ info: source.meta(), labels: source.labels() })),
    map(({ info, labels }) => {
      const frames = sampleFrames(info, options.includeDeleted);
      return { labels, size: frames.length, frames };
    }),
  );
}

/**
 * The samples of every task of a project, task after task (by id), each carrying its `taskId`.
 * With a cache folder the project's task list is cached too, so it can be read offline.
 */
export function projectSamples(
  ctx: OperationsContext,
  projectId: number,
  options: SamplesOptions = {},
): Observable<Sample> {
  return projectTaskIds(ctx, projectId, options.cache).pipe(
    concatMap((ids) => from(ids)),
    concatMap((id) => samples(ctx, id, options)),
  );
}
