import {
  Observable,
  concat,
  defer,
  finalize,
  forkJoin,
  from,
  isObservable,
  map,
  mergeMap,
  of,
  range,
  switchMap,
  toArray,
} from 'rxjs';
import { UsageError } from '../errors';
import { annotationOperations } from '../entities/annotations';
import type { ClientContext } from '../entities/context';
import { tasks } from '../entities/descriptors';
import { listLabels } from '../entities/label';
import { meta } from '../entities/operations/frames';
import type { LabeledImageRequest, LabeledShapeRequest, DataMetaRead } from '../models';
import type { TransferEvent } from '../transfer/progress';
import { browserImageDecoder } from './decode';
import { ChunkReader, framesToRun, singleFrame } from './frames';
import { BadFunctionError } from './function';
import type { DetectionContext, DetectionFunction, FrameImage, ImageDecoder } from './function';
import { AnnotationMapper } from './mapping';
import type { SpecNameMapping, TaskLabel } from './mapping';
import type { DetectedAnnotation } from './shapes';
import { Slots } from './slots';

/** Anything that carries a client context: a `CvatClient`, or `{ context }`. */
export interface ClientLike {
  readonly context: ClientContext;
}

export interface DetectOptions {
  /** Drop annotations of function labels (sublabels, attributes) the task lacks, instead of failing. */
  readonly allowUnmatchedLabels?: boolean;
  /** Passed to the function as `context.confThreshold`: 0..1. */
  readonly confThreshold?: number;
  /** Passed to the function as `context.convMaskToPoly`; a mask returned anyway is an error. */
  readonly convMaskToPoly?: boolean;
  /** Frames in `detect` at once (default 2). */
  readonly concurrency?: number;
  /** Chunks downloaded ahead of the one being processed (default 2). */
  readonly prefetchChunks?: number;
  /** Decodes frames for `image.decode()` (default: the client platform's, else the browser's). */
  readonly decoder?: ImageDecoder;
  /** Function label name → task names; without it, labels map by equal names. */
  readonly mapping?: SpecNameMapping;
}

export interface AnnotateTaskOptions extends DetectOptions {
  /** Replace the task's annotations (PUT) instead of adding to them (PATCH ?action=create). */
  readonly clearExisting?: boolean;
}

/** What a run over a task found (annotations already mapped to the task). */
export interface Detections {
  readonly frames: number;
  readonly shapes: readonly LabeledShapeRequest[];
  readonly tags: readonly LabeledImageRequest[];
}

export interface AnnotateTaskResult {
  readonly taskId: number;
  /** Frames run through the function (deleted frames are skipped). */
  readonly frames: number;
  readonly shapes: number;
  readonly tags: number;
}

const DEFAULT_CONCURRENCY = 2;
const DEFAULT_PREFETCH = 2;

function checkOptions(options: DetectOptions): { concurrency: number; prefetch: number } {
  const { confThreshold } = options;
  if (confThreshold !== undefined && !(confThreshold >= 0 && confThreshold <= 1))
    throw new UsageError(`confThreshold must be between 0 and 1, got ${confThreshold}`);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError(`concurrency must be an integer >= 1, got ${concurrency}`);
  const prefetch = options.prefetchChunks ?? DEFAULT_PREFETCH;
  if (!Number.isInteger(prefetch) || prefetch < 0)
    throw new UsageError(`prefetchChunks must be an integer >= 0, got ${prefetch}`);
  if (typeof options.decoder !== 'undefined' && typeof options.decoder !== 'function')
    throw new UsageError('decoder must be a function');
  return { concurrency, prefetch };
}

function checkFunction(fn: DetectionFunction): void {
  if (typeof fn !== 'object' || fn === null || typeof fn.detect !== 'function')
    throw new BadFunctionError('a detection function has `spec` and `detect(context, image)`');
  if (!Array.isArray(fn.spec?.labels)) throw new BadFunctionError('spec.labels must be an array');
}

function decoderOf(ctx: ClientContext, options: DetectOptions): ImageDecoder {
  if (options.decoder) return options.decoder;
  const platform = ctx.platform?.decodeImage;
  return platform ? (data, type) => platform(data, type) : browserImageDecoder;
}

/** What `detect` returned, as one array (Observables may emit annotations or arrays of them). */
function collect(output: unknown, frame: number): Observable<readonly DetectedAnnotation[]> {
  if (isObservable(output)) {
    return output.pipe(
      toArray(),
      map((items) => items.flatMap((item) => (Array.isArray(item) ? item : [item])) as DetectedAnnotation[]),
    );
  }
  return from(Promise.resolve(output)).pipe(
    map((value) => {
      if (!Array.isArray(value))
        throw new BadFunctionError(
          `frame ${frame}: detect returned ${typeof value}, not an array of annotations`,
          {
            frame,
          },
        );
      return value as DetectedAnnotation[];
    }),
  );
}

type FrameFound = {
  readonly shapes: readonly LabeledShapeRequest[];
  readonly tags: readonly LabeledImageRequest[];
};

/** What most frames give: one shared value, not two new arrays per frame. */
const NOTHING_FOUND: FrameFound = Object.freeze({ shapes: Object.freeze([]), tags: Object.freeze([]) });

/**
 * Runs the function on one frame and maps its output (errors name the frame): at once when it
 * returns an array, else when its Promise or Observable ends.
 */
function detectOne(
  fn: DetectionFunction,
  mapper: AnnotationMapper,
  image: FrameImage,
  options: DetectOptions,
  signal: AbortSignal,
): FrameFound | Observable<FrameFound> {
  const context: DetectionContext = {
    frameName: image.name,
    confThreshold: options.confThreshold,
    convMaskToPoly: options.convMaskToPoly === true,
    signal,
  };
  const output = fn.detect(context, image);
  if (Array.isArray(output))
    return output.length === 0
      ? NOTHING_FOUND
      : mapper.remap(output as DetectedAnnotation[], image.frame, image.name);
  return collect(output, image.frame).pipe(map((found) => mapper.remap(found, image.frame, image.name)));
}

/**
 * `source`, with `controller` aborted as soon as it is unsubscribed (or ends), before its
 * teardown runs: slots freed by the teardown then start no more frames.
 */
function abortingFirst<T>(source: Observable<T>, controller: AbortController): Observable<T> {
  return new Observable<T>((subscriber) => {
    // Finalizers run in the order they were added: this one before the source's own.
    subscriber.add(() => controller.abort());
    return source.subscribe(subscriber);
  });
}

function progress(loaded: number, total: number): TransferEvent<never> {
  return { type: 'progress', phase: 'processing', loaded, total, message: 'frames' };
}

/** The task's media meta data and labels, and the mapper from the function's spec to them. */
function prepare(
  ctx: ClientContext,
  taskId: number,
  fn: DetectionFunction,
  options: DetectOptions,
): Observable<{ info: DataMetaRead; mapper: AnnotationMapper }> {
  return forkJoin([
    meta(ctx, 'tasks', taskId),
    listLabels(ctx, {}, { task_id: taskId }).pipe(toArray()),
  ]).pipe(
    map(([info, labels]) => ({
      info,
      mapper: new AnnotationMapper(
        fn.spec.labels,
        labels.map((label): TaskLabel => label.model),
        {
          allowUnmatchedLabels: options.allowUnmatchedLabels === true,
          convMaskToPoly: options.convMaskToPoly === true,
          ...(options.mapping ? { mapping: options.mapping } : {}),
        },
      ),
    })),
  );
}

/**
 * Runs a detection function over every frame of an image task (deleted frames skipped) and maps
 * what it finds to the task's labels, uploading nothing. Emits progress (frames done of total),
 * then the detections. Chunks are downloaded `prefetchChunks` ahead; `concurrency` frames are in
 * `detect` at once. Unsubscribing aborts downloads and signals `context.signal`.
 */
export function detectTask(
  client: ClientLike,
  taskId: number,
  fn: DetectionFunction,
  options: DetectOptions = {},
): Observable<TransferEvent<Detections>> {
  return defer(() => {
    const ctx = client.context;
    const { concurrency, prefetch } = checkOptions(options);
    checkFunction(fn);
    const decoder = decoderOf(ctx, options);
    return prepare(ctx, taskId, fn, options).pipe(
      switchMap(({ info, mapper }) => {
        const frames = framesToRun(info);
        const abort = new AbortController();
        const reader = new ChunkReader(ctx, taskId, info, new Set(frames), decoder, prefetch);
        const slots = new Slots(concurrency);
        // Frames done, and what was found on the ones where something was.
        let done = 0;
        const found = new Map<number, FrameFound>();
        const detect = (image: FrameImage): FrameFound | Observable<FrameFound> =>
          detectOne(fn, mapper, image, options, abort.signal);
        // Two chunks are processed at once, so the next chunk's frames take the slots the
        // current chunk's last frames free: `concurrency` frames stay in flight across chunks.
        const work$ = range(0, reader.count).pipe(
          mergeMap(
            (index) =>
              reader.chunk(index).pipe(mergeMap((images) => slots.each(images, abort.signal, detect))),
            2,
          ),
          map(([image, result]) => {
            done += 1;
            if (result.shapes.length > 0 || result.tags.length > 0) found.set(image.frame, result);
            return progress(done, frames.length);
          }),
        );
        const result$ = defer(() => {
          const ordered = [...found.keys()].sort((a, b) => a - b).map((frame) => found.get(frame));
          const value: Detections = {
            frames: done,
            shapes: ordered.flatMap((entry) => entry?.shapes ?? []),
            tags: ordered.flatMap((entry) => entry?.tags ?? []),
          };
          return of<TransferEvent<Detections>>({ type: 'result', value });
        });
        return abortingFirst(concat(of(progress(0, frames.length)), work$, result$), abort).pipe(
          finalize(() => reader.close()),
        );
      }),
    );
  });
}

/** Runs a detection function on one frame of a task (as an interactive request asks). */
export function detectFrame(
  client: ClientLike,
  taskId: number,
  frame: number,
  fn: DetectionFunction,
  options: DetectOptions = {},
): Observable<Detections> {
  return defer(() => {
    const ctx = client.context;
    checkOptions(options);
    checkFunction(fn);
    const decoder = decoderOf(ctx, options);
    return prepare(ctx, taskId, fn, options).pipe(
      switchMap(({ info, mapper }) => {
        if (!framesToRun(info).includes(frame))
          throw new UsageError(`Frame ${frame} does not exist in task ${taskId} (or is deleted)`);
        const abort = new AbortController();
        return singleFrame(ctx, taskId, info, frame, decoder).pipe(
          mergeMap((image) => {
            const result = detectOne(fn, mapper, image, options, abort.signal);
            return isObservable(result) ? result : of(result);
          }),
          map((found): Detections => ({ frames: 1, ...found })),
          finalize(() => abort.abort()),
        );
      }),
    );
  });
}

/**
 * Runs a detection function over a task and uploads what it found, in one request once every
 * frame is done: unsubscribing before then uploads nothing. Emits progress (frames done of
 * total), then the counts uploaded. As CVAT SDK's `annotate_task`, with bounded concurrency and
 * chunk prefetch.
 */
export function annotateTask(
  client: ClientLike,
  taskId: number,
  fn: DetectionFunction,
  options: AnnotateTaskOptions = {},
): Observable<TransferEvent<AnnotateTaskResult>> {
  return detectTask(client, taskId, fn, options).pipe(
    mergeMap((event) => {
      if (event.type === 'progress') return of(event);
      const { shapes, tags, frames } = event.value;
      const value: AnnotateTaskResult = { taskId, frames, shapes: shapes.length, tags: tags.length };
      return uploadDetections(client.context, taskId, event.value, options.clearExisting === true).pipe(
        map((): TransferEvent<AnnotateTaskResult> => ({ type: 'result', value })),
      );
    }),
  );
}

/** Uploads detections: replacing the task's annotations, or added to them. */
export function uploadDetections(
  ctx: ClientContext,
  taskId: number,
  found: Pick<Detections, 'shapes' | 'tags'>,
  replace: boolean,
): Observable<void> {
  const annotations = annotationOperations(ctx, tasks, taskId);
  const shapes = [...found.shapes];
  const tags = [...found.tags];
  if (replace) return annotations.setAnnotations({ version: 0, shapes, tags, tracks: [] });
  if (shapes.length === 0 && tags.length === 0) return of(undefined);
  return annotations.updateAnnotations({ shapes, tags, tracks: [] }, 'create').pipe(map(() => undefined));
}
