import { EMPTY, concat, concatMap, from, mergeMap, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { TaskRead } from '../../models';
import type { ClientContext } from '../context';
import { tasks } from '../descriptors';
import { retrieveData } from '../resource';
import { sniffMediaType } from './media-type';
import { chunkImages } from './unzip';

/**
 * Lists of at least this many frames may be read through chunks; shorter ones are not worth the
 * task request that says how the task is chunked.
 */
export const MIN_FRAMES_FOR_CHUNKS = 8;

/** A frame as the frame endpoint gives it (see frames.ts; passed in to keep the modules apart). */
export interface ChunkedFrame {
  readonly frame: number;
  readonly data: Uint8Array;
  readonly contentType: string | undefined;
}

/** How one frame and one chunk (of the asked quality) are fetched. */
export interface FrameFetchers {
  readonly frame: (frame: number) => Observable<ChunkedFrame>;
  readonly chunk: (index: number) => Observable<Uint8Array>;
}

/** One piece of work: a whole chunk for several of its frames, or one frame on its own. */
type Work = { readonly chunk: number; readonly frames: readonly number[] } | { readonly frame: number };

/**
 * A task's frames (`list`, repeats kept), read through whole chunks wherever at least half of a
 * chunk's frames are asked for, one request per chunk instead of one per frame, as CVAT's web
 * client reads them. Only image tasks: a chunk of the asked quality must be a zip of the frames'
 * own files (`imageset`), the bytes the frame endpoint sends. Video tasks, frames past the task's
 * size (the server's error is kept) and the rest go frame by frame. `concurrency` requests at once.
 */
export function taskFramesByChunk(
  ctx: ClientContext,
  taskId: number,
  list: readonly number[],
  quality: 'original' | 'compressed' | undefined,
  concurrency: number,
  fetch: FrameFetchers,
): Observable<ChunkedFrame> {
  return retrieveData(ctx, tasks, taskId).pipe(
    switchMap((task) =>
      from(plan(task, list, quality)).pipe(
        mergeMap(
          (work) =>
            'chunk' in work
              ? chunkFrames(
                  work.chunk * task.data_chunk_size!,
                  fetch.chunk(work.chunk),
                  work.frames,
                  fetch.frame,
                )
              : fetch.frame(work.frame),
          concurrency,
        ),
      ),
    ),
  );
}

/** Which frames go by chunk; the server's default quality is `compressed`. */
function plan(
  task: TaskRead,
  list: readonly number[],
  quality: 'original' | 'compressed' | undefined,
): Work[] {
  const chunkType = quality === 'original' ? task.data_original_chunk_type : task.data_compressed_chunk_type;
  const chunkSize = task.data_chunk_size ?? 0;
  const size = task.size ?? 0;
  if (chunkType !== 'imageset' || !(chunkSize > 0)) return list.map((frame) => ({ frame }));
  const byChunk = new Map<number, number[]>();
  const work: Work[] = [];
  for (const frame of list) {
    if (frame >= size) work.push({ frame });
    else {
      const index = Math.floor(frame / chunkSize);
      const frames = byChunk.get(index);
      if (frames) frames.push(frame);
      else byChunk.set(index, [frame]);
    }
  }
  for (const [index, frames] of byChunk) {
    const held = Math.min(chunkSize, size - index * chunkSize);
    if (frames.length >= 2 && new Set(frames).size * 2 >= held) work.push({ chunk: index, frames });
    else work.push(...frames.map((frame) => ({ frame })));
  }
  return work;
}

/**
 * The asked frames of one chunk (its first frame is `first`). A chunk that is not a zip, or an
 * entry missing or of a type that cannot be told from its bytes, falls back to the frame endpoint
 * for those frames.
 */
function chunkFrames(
  first: number,
  chunk$: Observable<Uint8Array>,
  frames: readonly number[],
  single: (frame: number) => Observable<ChunkedFrame>,
): Observable<ChunkedFrame> {
  return chunk$.pipe(
    switchMap((bytes) => chunkImages(bytes)),
    switchMap((files) => {
      if (!files) return from(frames).pipe(concatMap(single));
      const found: ChunkedFrame[] = [];
      const missing: number[] = [];
      for (const frame of frames) {
        const data = files[frame - first];
        const contentType = data && sniffMediaType(data, undefined);
        if (data && contentType) found.push({ frame, data, contentType });
        else missing.push(frame);
      }
      return concat(of(...found), missing.length ? from(missing).pipe(concatMap(single)) : EMPTY);
    }),
  );
}
