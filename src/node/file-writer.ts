import { close, closeSync, writeSync, writev } from 'node:fs';

/**
 * A write to the page cache that takes longer than this means a slow or throttled disk: from then
 * on the writer hands its writes to Node's thread pool, so the event loop is never held longer.
 */
const SLOW_WRITE_MS = 10;
/** Bytes queued for the thread pool before the caller is asked to pause. */
const HIGH_WATER = 2 ** 20;

export interface FileWriterOptions {
  /** A write slower than this switches the writer to the thread pool (default 10 ms). */
  readonly slowWriteMs?: number;
  /** Queued bytes above which `write` asks the caller to pause (default 1 MiB). */
  readonly highWaterMark?: number;
}

/**
 * Writes a stream's chunks, in order, to a file descriptor it owns.
 *
 * While writes are quick it writes in the calling thread, as curl and cvat-sdk do: a download
 * writes as fast as it receives, and on a machine with few cores, handing every 64 KiB to a pool
 * thread makes that thread compete with the socket (and a local server) for a core; measured on
 * 2 cores, a 1 GiB download took about twice as long that way (bench/README.md). The first write
 * slower than `slowWriteMs` (a slow disk, the kernel throttling dirty pages) switches it, for good,
 * to asynchronous writes through the thread pool with a bounded queue.
 */
export class FileWriter {
  private readonly slowWriteMs: number;
  private readonly highWaterMark: number;
  private inThread = true;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private writing = false;
  private failure: Error | undefined;
  private destroyed = false;
  private closed = false;
  private drained: (() => void) | undefined;
  private flushed: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private afterWrite: (() => void) | undefined;

  /**
   * @param fd an open file, closed by `end` or `destroy`
   * @param onError called once with the error of a write done in the thread pool
   */
  constructor(
    private readonly fd: number,
    private readonly onError: (error: Error) => void,
    options: FileWriterOptions = {},
  ) {
    this.slowWriteMs = options.slowWriteMs ?? SLOW_WRITE_MS;
    this.highWaterMark = options.highWaterMark ?? HIGH_WATER;
  }

  /** Whether writes still happen in the calling thread. */
  get synchronous(): boolean {
    return this.inThread;
  }

  /**
   * Writes `chunk` (kept as it is, not copied: the caller must not reuse it). Returns false when
   * the caller should pause until `onDrain`'s callback; throws what a synchronous write threw.
   */
  write(chunk: Uint8Array): boolean {
    if (this.failure) throw this.failure;
    if (this.destroyed || this.flushed) throw new Error('write after the file was closed');
    if (this.inThread && !this.writing) {
      const started = performance.now();
      writeFully(this.fd, chunk);
      if (performance.now() - started > this.slowWriteMs) this.inThread = false;
      return true;
    }
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    this.flush();
    return this.queued < this.highWaterMark;
  }

  /** Calls `callback` once, when the queue falls below the high-water mark again. */
  onDrain(callback: () => void): void {
    this.drained = callback;
  }

  /** Writes what is queued, then closes the file. Rejects with the first write's or close's error. */
  end(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      if (this.destroyed) return reject(new Error('end after the file was closed'));
      this.flushed = { resolve, reject };
      this.flush();
    });
  }

  /**
   * Stops writing and closes the file (after a write the thread pool is doing, never under it:
   * the descriptor's number could be reused meanwhile). `closed` is called once it is.
   */
  destroy(closed?: () => void): void {
    if (this.destroyed) return void closed?.();
    this.destroyed = true;
    this.queue = [];
    this.queued = 0;
    const shut = (): void => {
      this.closeFile();
      closed?.();
    };
    if (this.writing) this.afterWrite = shut;
    else shut();
  }

  private closeFile(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already failed or closed: nothing more can be lost.
    }
  }

  private flush(): void {
    if (this.writing || this.destroyed) return;
    if (this.queue.length === 0) {
      this.finishIfEnded();
      return;
    }
    const chunks = this.queue;
    this.queue = [];
    this.writing = true;
    writeAll(this.fd, chunks, (error) => {
      this.writing = false;
      const after = this.afterWrite;
      this.afterWrite = undefined;
      if (after) return after();
      if (error) return this.fail(error);
      this.queued -= chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      if (this.queued < this.highWaterMark && this.drained) {
        const drained = this.drained;
        this.drained = undefined;
        drained();
      }
      this.flush();
    });
  }

  private finishIfEnded(): void {
    const flushed = this.flushed;
    if (!flushed || this.closed) return;
    this.closed = true;
    close(this.fd, (error) => (error ? flushed.reject(error) : flushed.resolve()));
  }

  private fail(error: Error): void {
    this.failure = error;
    this.destroy();
    this.flushed?.reject(error);
    this.onError(error);
  }
}

/** `writeSync` until every byte is written (a write may take fewer bytes than it was given). */
function writeFully(fd: number, chunk: Uint8Array): void {
  let offset = 0;
  while (offset < chunk.byteLength) offset += writeSync(fd, chunk, offset, chunk.byteLength - offset);
}

/** `writev` in the thread pool until every byte of `chunks` is written. */
function writeAll(fd: number, chunks: readonly Uint8Array[], done: (error: Error | null) => void): void {
  writev(fd, chunks, (error, written) => {
    if (error) return done(error);
    let index = 0;
    let rest = written;
    while (index < chunks.length && rest >= chunks[index].byteLength) rest -= chunks[index++].byteLength;
    if (index === chunks.length) return done(null);
    writeAll(fd, [chunks[index].subarray(rest), ...chunks.slice(index + 1)], done);
  });
}
