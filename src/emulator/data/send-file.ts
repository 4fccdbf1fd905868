import { close, open, read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Ctx } from '../context';
import { headerValue } from '../context';

/** Reads of a sent file, and how many of their buffers may wait for the socket at once. */
const READ_SIZE = 1024 * 1024;
const READ_BUFFERS = 4;

/** Streams one stored file with its content type. */
export function sendFile(
  ctx: Ctx,
  path: string,
  mime: string,
  size: number,
  extra: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Type', mime);
    ctx.res.setHeader('Content-Length', size);
    for (const [k, v] of Object.entries(extra)) ctx.res.setHeader(k, headerValue(v));
    if (ctx.method === 'HEAD') {
      ctx.res.end();
      return resolve();
    }
    pipeFile(path, size, ctx.res).then(resolve, reject);
  });
}

/**
 * A file's bytes to a response through a few buffers read into again once the socket has taken
 * them: a fresh buffer for each read (as a read stream takes) costs the first touch of every page
 * each time, which dominated the emulator's CPU when sending a 1 GiB backup.
 */
export function pipeFile(path: string, size: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (error, fd) => {
      if (error) return reject(error);
      const free = Array.from({ length: READ_BUFFERS }, () => Buffer.allocUnsafeSlow(READ_SIZE));
      let position = 0;
      let reading = false;
      let stopped = false;
      let outcome: Error | undefined;
      const closeFile = (): void => close(fd, () => (outcome ? reject(outcome) : resolve()));
      // Never closed under a read in flight: its descriptor's number could be reused meanwhile.
      const stop = (failure?: Error): void => {
        if (stopped) return;
        stopped = true;
        outcome = failure;
        if (!reading) closeFile();
      };
      res.once('close', () => stop());
      const pump = (): void => {
        if (stopped || reading || res.writableEnded) return;
        if (position >= size) {
          res.end();
          return;
        }
        const buffer = free.pop();
        if (!buffer) return;
        reading = true;
        read(fd, buffer, 0, Math.min(READ_SIZE, size - position), position, (failure, bytes) => {
          reading = false;
          if (stopped) return closeFile();
          if (failure) {
            stop(failure);
            return void res.destroy(failure);
          }
          if (bytes === 0) {
            // The file shrank under us: the response cannot reach its Content-Length.
            stop(new Error(`${path} ended at byte ${position} of ${size}`));
            return void res.destroy();
          }
          position += bytes;
          res.write(buffer.subarray(0, bytes), () => {
            free.push(buffer);
            pump();
          });
          pump();
        });
      };
      pump();
    });
  });
}
