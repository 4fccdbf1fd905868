/**
 * The low-level API, as in CVAT's Python SDK low-level example: create a task, upload its images
 * in one multipart request, poll the task's status until it is Finished, then read its size.
 *
 *   npx tsx examples/low-level.ts [image ...]
 *
 * CVAT_HOST, CVAT_USER and CVAT_PASSWORD select a server; without CVAT_HOST the example starts the
 * embedded emulator. Without images it uploads two tiny generated GIFs.
 */
import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { concatMap, firstValueFrom, map, repeat, first, throwError, type Observable } from 'rxjs';
import { ApiClient } from '../src/api';
import { startEmulator } from '../src/emulator';
import type { TaskRead } from '../src/models';
import { Configuration } from '../src/transport/configuration';

/** `POST /api/tasks`, `POST /api/tasks/{id}/data/`, `GET …/status` until Finished, `GET /api/tasks/{id}`. */
export function createTaskWithImages(
  client: ApiClient,
  name: string,
  images: readonly File[],
  pollEveryMs = 100,
): Observable<TaskRead> {
  return client.tasksApi.create({ body: { name, labels: [{ name: 'car' }] } }).pipe(
    concatMap(([task, response]) => {
      // CVAT's document marks `id` read-only and optional, so the type says it may be missing.
      const id = task.id;
      if (id === undefined) return throwError(() => new Error('the server sent a task without an id'));
      console.log(`created task ${id} (${response.status})`);
      return client.tasksApi
        .createData(
          { id, body: { image_quality: 75, client_files: [...images] } },
          { contentType: 'multipart/form-data', checkStatus: false, parseResponse: false },
        )
        .pipe(
          concatMap(([, dataResponse]) =>
            dataResponse.status === 202
              ? waitForData(client, id, pollEveryMs)
              : throwError(() => new Error(`uploading data answered ${dataResponse.status}`)),
          ),
          concatMap(() => client.tasksApi.retrieve({ id })),
          map(([updated]) => updated),
        );
    }),
  );
}

/** Polls the (legacy) status endpoint, as the Python example does, until the data is processed. */
function waitForData(client: ApiClient, id: number, pollEveryMs: number): Observable<void> {
  return client.tasksApi.retrieveStatus({ id }).pipe(
    repeat({ delay: pollEveryMs }),
    first(([status]) => status.state === 'Finished' || status.state === 'Failed'),
    concatMap(([status]) =>
      status.state === 'Finished'
        ? [undefined]
        : throwError(() => new Error(`processing failed: ${status.message ?? 'no message'}`)),
    ),
  );
}

/** A 13-byte GIF header: enough for CVAT (and the emulator) to read the image size. */
export function tinyGif(width: number, height: number, name: string): File {
  const bytes = new Uint8Array(13);
  bytes.set([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]); // GIF89a
  new DataView(bytes.buffer).setUint16(6, width, true);
  new DataView(bytes.buffer).setUint16(8, height, true);
  return new File([bytes], name, { type: 'image/gif' });
}

async function main(args: readonly string[]): Promise<void> {
  const emulator = process.env['CVAT_HOST'] ? undefined : await startEmulator();
  try {
    const host = process.env['CVAT_HOST'] ?? emulator?.url ?? '';
    const username = process.env['CVAT_USER'] ?? 'admin';
    const password = process.env['CVAT_PASSWORD'] ?? 'admin';
    const client = new ApiClient(new Configuration({ host, username, password }));
    const images =
      args.length > 0
        ? await Promise.all(args.map(async (file) => new File([await openAsBlob(file)], path.basename(file))))
        : [tinyGif(64, 48, 'a.gif'), tinyGif(32, 32, 'b.gif')];
    const task = await firstValueFrom(createTaskWithImages(client, 'example task', images));
    console.log(`task ${task.id} has ${task.size ?? 0} frames`);
  } finally {
    await emulator?.close();
  }
}

if (process.argv[1]?.endsWith('low-level.ts')) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
