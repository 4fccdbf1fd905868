import { ReplaySubject, Subscription, defer, finalize, from, map, mergeMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { ClientContext } from '../entities/context';
import { chunk, frameData } from '../entities/operations/frames';
import { chunkImages } from '../entities/operations/unzip';
import { sniffMediaType } from '../entities/operations/media-type';
import type { DataMetaRead } from '../models';
import type { FrameImage, ImageDecoder, RgbaImage } from './function';

export { sniffMediaType };

/** A FrameImage whose `decode()` runs the decoder once, on first use. */
export function frameImage(
  frame: number,
  info: DataMetaRead,
  data: Uint8Array,
  decoder: ImageDecoder,
  contentType?: string,
): FrameImage {
  const meta = info.frames?.[frame] ?? info.frames?.[0];
  const mediaType = sniffMediaType(data, contentType ?? 'application/octet-stream');
  let decoded: Promise<RgbaImage> | undefined;
  return {
    frame,
    name: meta?.name ?? `frame_${frame}`,
    width: meta?.width ?? 0,
    height: meta?.height ?? 0,
    data,
    mediaType,
    decode: () => (decoded ??= decoder(data, mediaType)),
  };
}

/** The frames of a task to run over: all but the deleted ones. */
export function framesToRun(info: DataMetaRead): number[] {
  const size = info.size ?? info.frames?.length ?? 0;
  const deleted = new Set(info.deleted_frames);
  return Array.from({ length: size }, (_, i) => i).filter((i) => !deleted.has(i));
}

/**
 * The task's frames, chunk by chunk (original quality, one request per chunk as CVAT's
 * TaskDataset reads them). `chunk(k)` gives chunk k's frames that are in `wanted`; subscribing to
 * it also starts downloading chunks k+1..k+prefetch, so the next chunks arrive while the current
 * one is processed and at most `prefetch` chunks wait in memory. `close()` aborts every download.
 */
export class ChunkReader {
  readonly count: number;
  private readonly chunkSize: number;
  private readonly size: number;
  private readonly downloads = new Subscription();
  private readonly loaded = new Map<number, ReplaySubject<readonly FrameImage[]>>();

  constructor(
    private readonly ctx: ClientContext,
    private readonly taskId: number,
    private readonly info: DataMetaRead,
    private readonly wanted: ReadonlySet<number>,
    private readonly decoder: ImageDecoder,
    private readonly prefetch: number,
  ) {
    this.size = info.size ?? info.frames?.length ?? 0;
    this.chunkSize = info.chunk_size ?? 0;
    if (this.size > 0 && !(this.chunkSize > 0)) throw new UsageError(`Task ${taskId} reports no chunk size`);
    this.count = this.size === 0 ? 0 : Math.ceil(this.size / this.chunkSize);
  }

  chunk(index: number): Observable<readonly FrameImage[]> {
    return defer(() => {
      for (let ahead = index; ahead <= index + this.prefetch; ahead += 1) this.load(ahead);
      const subject = this.loaded.get(index);
      if (!subject) throw new UsageError(`Task ${this.taskId} has no chunk ${index}`);
      return subject.pipe(finalize(() => this.loaded.delete(index)));
    });
  }

  close(): void {
    this.downloads.unsubscribe();
    this.loaded.clear();
  }

  private load(index: number): void {
    if (index >= this.count || this.loaded.has(index) || this.downloads.closed) return;
    const first = index * this.chunkSize;
    const subject = new ReplaySubject<readonly FrameImage[]>(1);
    this.loaded.set(index, subject);
    const needed = Array.from({ length: this.chunkSize }, (_, i) => first + i).some((f) =>
      this.wanted.has(f),
    );
    if (!needed) {
      subject.next([]);
      subject.complete();
      return;
    }
    this.downloads.add(
      chunk(this.ctx, 'tasks', this.taskId, index, { quality: 'original' })
        .pipe(mergeMap((bytes) => from(this.framesOf(bytes, first))))
        .subscribe(subject),
    );
  }

  private async framesOf(bytes: Uint8Array, first: number): Promise<FrameImage[]> {
    const images = await chunkImages(bytes);
    if (!images)
      throw new UsageError(`Task ${this.taskId} has video chunks; auto-annotation reads image tasks`);
    const wanted: FrameImage[] = [];
    images.forEach((data, i) => {
      const frame = first + i;
      if (frame < this.size && this.wanted.has(frame))
        wanted.push(frameImage(frame, this.info, data, this.decoder));
    });
    return wanted;
  }
}

/** One frame of a task, downloaded on its own (original quality): for single-frame requests. */
export function singleFrame(
  ctx: ClientContext,
  taskId: number,
  info: DataMetaRead,
  frame: number,
  decoder: ImageDecoder,
): Observable<FrameImage> {
  return frameData(ctx, 'tasks', taskId, frame, { quality: 'original' }).pipe(
    map((data) => frameImage(frame, info, data.data, decoder, data.contentType)),
  );
}
