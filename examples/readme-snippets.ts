/**
 * The code examples of README.md, type-checked by `npm run typecheck` (this file is never run).
 * Imports use the source paths; the README spells them `cvat-rx`, `cvat-rx/node`, `cvat-rx/emulator`.
 */
import { firstValueFrom, lastValueFrom, timeout, toArray } from 'rxjs';
import { connect, isApiError, makeClient, toProgressView } from '../src';
import type { CvatClient } from '../src';
import { fileStore, makeNodeClient, nodePlatform } from '../src/node';
import { startEmulator } from '../src/emulator';
import { annotateTask, labelSpec, rectangle, type DetectionFunction } from '../src/auto-annotation';

// Quick start in Node.
export async function quickStart(): Promise<void> {
  const client = await firstValueFrom(
    makeNodeClient({ host: 'https://cvat.example.com' }).login({ username: 'me', password: 'secret' }),
  );
  // Without `{ observe: 'events' }` a long operation emits its result only: here, the new Task.
  const task = await lastValueFrom(
    client.tasks.createFromData({
      spec: { name: 'cars', labels: [{ name: 'car' }, { name: 'person' }] },
      resources: ['images/0001.jpg', 'images/0002.jpg'],
    }),
  );
  console.log(`task ${task.id}: ${task.size} frames`);
  const saved = await lastValueFrom(task.exportDataset('COCO 1.0', 'out/cars.zip'));
  console.log(saved);
}

// The same client, spelled with makeClient.
export const sameClient = makeClient({
  host: 'https://cvat.example.com',
  credentials: { token: 'personal-access-token' },
  config: { platform: nodePlatform },
});

// Progress bars.
export function progressBars(): void {
  const client = makeNodeClient({ host: 'http://localhost:8080', credentials: { token: 'pat' } });
  client.tasks
    .createFromData(
      { spec: { name: 'cars', labels: [{ name: 'car' }] }, resources: ['video.mp4'] },
      { observe: 'events' },
    )
    .pipe(toProgressView())
    .subscribe({
      next: (view) => {
        if (view.type === 'progress') {
          // phase: 'upload' | 'processing' | 'download'; percent, rate and etaSeconds once known.
          process.stderr.write(`${view.phase} ${Math.round(view.percent ?? 0)}%\n`);
        } else {
          console.log(`created task ${view.value.id}`);
        }
      },
      error: (error: unknown) => console.error(error),
    });
}

// Cancellation.
export function cancellation(): void {
  const client = makeNodeClient({ host: 'http://localhost:8080', credentials: { token: 'pat' } });
  const subscription = client.tasks
    .createFromData({ spec: { name: 'big', labels: [{ name: 'car' }] }, resources: ['big.zip'] })
    .subscribe((task) => console.log(task.id));
  // Aborts the request in flight; nothing more is sent.
  process.once('SIGINT', () => subscription.unsubscribe());
}

// Retries and timeouts.
export async function retriesAndTimeouts(): Promise<void> {
  const client = makeNodeClient({
    host: 'https://cvat.example.com',
    credentials: { token: 'pat' },
    config: {
      transport: {
        retry: { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 10_000 },
        timeouts: { connectMs: 10_000, idleMs: 60_000 },
      },
    },
  });
  try {
    // A deadline for the whole call, retries included, is an RxJS operator.
    const me = await firstValueFrom(client.users.retrieveCurrentUser().pipe(timeout(30_000)));
    console.log(me.username);
  } catch (error) {
    if (isApiError(error)) console.error(`HTTP ${error.status} from ${error.operationId ?? error.url}`);
    else throw error;
  }
}

// Organizations.
export function organizations(): void {
  const client = makeNodeClient({ host: 'http://localhost:8080', credentials: { token: 'pat' } });
  const team = client.withOrganization('my-team'); // X-Organization: my-team
  const personal = client.withOrganization(''); // the personal workspace
  team.tasks.list().subscribe((task) => console.log(`my-team: ${task.id} ${task.name}`));
  personal.projects.list().subscribe((project) => console.log(`mine: ${project.id}`));
  client.organizations.list().subscribe((org) => console.log(org.slug));
}

// The emulator in your own tests.
export async function emulatorInTests(): Promise<void> {
  const server = await startEmulator(); // a free port on 127.0.0.1, user admin/admin
  try {
    const client = await firstValueFrom(
      makeNodeClient({ host: server.url }).login({ username: 'admin', password: 'admin' }),
    );
    await firstValueFrom(client.projects.create({ name: 'p', labels: [{ name: 'car' }] }));
    // One 503 on the next project list: the client retries it.
    server.setFaults([{ path: '/api/projects', method: 'GET', errorStatus: 503, times: 1 }]);
    const projects = await lastValueFrom(client.projects.list().pipe(toArray()));
    console.log(projects.length); // 1
  } finally {
    await server.close();
  }
}

// Names used by the migration table (from CVAT's Python SDK).
export async function migrationTable(): Promise<void> {
  const client = await firstValueFrom(
    connect({ host: 'http://localhost:8080', credentials: { username: 'admin', password: 'admin' } }),
  );
  const task = await firstValueFrom(client.tasks.retrieve(1));
  await lastValueFrom(task.uploadData({ resources: ['a.jpg'], dataParams: { image_quality: 75 } }));
  await lastValueFrom(task.importAnnotations('COCO 1.0', 'annotations.json'));
  await lastValueFrom(task.exportDataset('CVAT for images 1.1', 'out/dataset.zip', { includeImages: false }));
  await lastValueFrom(task.downloadBackup('out/backup.zip'));
  const frame: Uint8Array = await firstValueFrom(task.frame(0, { quality: 'original' }));
  const chunk: Uint8Array = await firstValueFrom(task.chunk(0));
  const preview: Uint8Array = await firstValueFrom(task.preview());
  await lastValueFrom(task.downloadFrames([0, 1], 'out/frames', { quality: 'original' }));
  const jobs = await lastValueFrom(task.jobs().pipe(toArray()));
  const labels = await lastValueFrom(task.labels().pipe(toArray()));
  const meta = await firstValueFrom(task.meta());
  const annotations = await firstValueFrom(task.getAnnotations());
  await lastValueFrom(task.setAnnotations(annotations));
  await lastValueFrom(task.updateAnnotations(annotations, 'create'));
  await lastValueFrom(task.removeAnnotations([1, 2]));
  await lastValueFrom(
    client.api.tasksApi.partialUpdateDataMeta({ id: task.id, body: { deleted_frames: [3] } }),
  );
  const restored = await lastValueFrom(client.projects.createFromBackup('project-backup.zip'));
  await lastValueFrom(restored.importDataset('COCO 1.0', 'dataset.zip'));
  const projectTasks = await lastValueFrom(restored.tasks().pipe(toArray()));
  const job = await firstValueFrom(client.jobs.retrieve(jobs[0]?.id ?? 1));
  const issues = await lastValueFrom(job.issues().pipe(toArray()));
  const me = await firstValueFrom(client.users.retrieveCurrentUser());
  const orgs = await lastValueFrom(client.organizations.list().pipe(toArray()));
  const comments = await lastValueFrom(client.comments.list().pipe(toArray()));
  const removed = await firstValueFrom(client.tasks.removeByIds([4, 5]));
  await lastValueFrom(client.requests.watch('rq-id'));
  const version = await firstValueFrom(client.serverVersion());
  const check = await firstValueFrom(client.checkServerVersion());
  console.log(
    frame,
    chunk,
    preview,
    labels,
    meta,
    projectTasks,
    issues,
    me,
    orgs,
    comments,
    removed,
    version,
    check,
  );
  console.log(client.hasCredentials(), await firstValueFrom(client.logout()));
  const configured = makeClient({
    host: 'http://localhost:8080',
    config: {
      allowUnsupportedServer: false,
      transport: { verifySsl: true },
      polling: { minDelayMs: 1000, maxDelayMs: 5000 },
    },
  });
  console.log(configured.host);
}

// Uploads that resume after the process dies.
export async function resumableUpload(): Promise<void> {
  const client = makeNodeClient({ host: 'https://cvat.example.com', credentials: { token: 'pat' } });
  const task = await lastValueFrom(
    client.tasks.createFromData(
      { spec: { name: 'big', labels: [{ name: 'car' }] }, resources: ['video.mp4', 'images.zip'] },
      { resume: { store: fileStore('.cvat-uploads') } }, // browsers: localStorageStore() from 'cvat-rx'
    ),
  );
  console.log(task.id);
}

// Auto-annotation.
export function autoAnnotation(client: CvatClient, taskId: number): void {
  const carFinder: DetectionFunction = {
    spec: { labels: [labelSpec('car', 0, { type: 'rectangle' })] },
    async detect(context, frame) {
      const image = await frame.decode(); // RGBA pixels: pngjs/jpeg-js in Node, createImageBitmap in browsers
      return [rectangle(0, [0, 0, image.width / 2, image.height / 2])]; // ids are the spec's; frame stays 0
    },
  };

  annotateTask(client, taskId, carFinder, { concurrency: 4, clearExisting: true }).subscribe((event) =>
    console.log(event.type === 'progress' ? `${event.loaded}/${event.total} frames` : event.value),
  );
}
