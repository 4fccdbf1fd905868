import { statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  type Observable,
  concatMap,
  count,
  defer,
  filter,
  forkJoin,
  last,
  map,
  of,
  switchMap,
  tap,
} from 'rxjs';
import type { CvatClient, Project, Task, TransferEvent } from '../../src';
import { formatBytes } from '../../src/cli/progress';
import type { ProgressSink } from '../../src/cli/progress';
import { createColourBlobDetector } from '../functions/colour-blobs';
import { generateInput, LABELS, type DemoInput } from './dataset';

export interface DemoSettings {
  /** A logged-in client. */
  readonly client: CvatClient;
  /** Where the dataset and the backup are written. */
  readonly outDir: string;
  /** Where the generated images are written. */
  readonly workDir: string;
  /** PNG frames sent in bulk (multipart) requests. */
  readonly smallImages: number;
  /** Approximate size of the large image, sent by TUS. */
  readonly largeImageBytes: number;
  /** Files above this size go by TUS (CVAT's default is 100 MiB; lowered so the demo shows both paths). */
  readonly bulkLimitBytes: number;
  /** TUS chunk size. */
  readonly tusChunkBytes: number;
  /** A progress display for one long step. */
  readonly progress: () => ProgressSink;
  /** A line on the console. */
  readonly log: (line: string) => void;
}

export interface DemoSummary {
  readonly user: string;
  readonly serverVersion: string;
  readonly project: { readonly id: number; readonly name: string; readonly labels: readonly string[] };
  readonly task: {
    readonly id: number;
    readonly name: string;
    readonly frames: number;
    readonly jobs: number;
  };
  readonly uploaded: {
    readonly files: number;
    readonly bytes: number;
    readonly bulk: number;
    readonly tus: number;
  };
  readonly status: string;
  readonly annotations: { readonly imported: number; readonly onServer: number };
  readonly dataset: { readonly path: string; readonly bytes: number };
  readonly backup: { readonly path: string; readonly bytes: number };
  readonly restored: { readonly id: number; readonly frames: number; readonly annotations: number };
  readonly autoAnnotated: { readonly frames: number; readonly shapes: number; readonly onServer: number };
}

/** Shows a long operation's progress on its own bar and emits its result. */
function withProgress<T>(events: Observable<TransferEvent<T>>, sink: ProgressSink): Observable<T> {
  return defer(() =>
    events.pipe(
      tap({
        next: (event) => (event.type === 'progress' ? sink.update(event) : sink.stop()),
        finalize: () => sink.stop(),
      }),
      filter((event): event is Extract<TransferEvent<T>, { type: 'result' }> => event.type === 'result'),
      map((event) => event.value),
      last(),
    ),
  );
}

const shapesOf = (task: Task): Observable<number> =>
  task
    .getAnnotations()
    .pipe(map((data) => (data.shapes?.length ?? 0) + (data.tracks?.length ?? 0) + (data.tags?.length ?? 0)));

/**
 * The demo as one cold Observable: nothing runs before subscribe, and unsubscribing (Ctrl-C)
 * aborts whatever request, upload or download is in flight.
 */
export function demoPipeline(settings: DemoSettings): Observable<DemoSummary> {
  const { client, log } = settings;
  const events = { observe: 'events' } as const;
  const total = 10;
  const say = (n: number, text: string): void => log(`[${n}/${total}] ${text}`);
  const display = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') ? path : rel;
  };

  const who$ = forkJoin({
    user: client.users.retrieveCurrentUser().pipe(map((user) => user.username)),
    version: client.serverVersion(),
  }).pipe(tap(({ user, version }) => say(1, `Logged in as ${user} (CVAT ${version})`)));

  const project$ = client.projects
    .create({ name: 'cvat-rx demo', labels: LABELS.map((label) => ({ ...label })) })
    .pipe(
      tap((project: Project) =>
        say(
          2,
          `Created project #${project.id} "${project.name}" with labels ${LABELS.map((l) => l.name).join(', ')}`,
        ),
      ),
    );

  const input$ = defer(() => {
    const input = generateInput(settings.workDir, settings.smallImages, settings.largeImageBytes);
    const large = input.images.filter((image) => image.size > settings.bulkLimitBytes);
    say(
      3,
      `Generated ${input.images.length - large.length} PNG frames and ${large.length} large BMP ` +
        `(${formatBytes(large.reduce((sum, image) => sum + image.size, 0))}), ${formatBytes(input.totalBytes)} in all`,
    );
    return of(input);
  });

  const createTask = (project: Project, input: DemoInput): Observable<Task> => {
    const tus = input.images.filter((image) => image.size > settings.bulkLimitBytes).length;
    say(
      4,
      `Creating a task: ${input.images.length - tus} files in bulk requests, ${tus} by TUS, then processing`,
    );
    return withProgress(
      client.tasks.createFromData(
        {
          spec: { name: 'demo task', project_id: project.id, segment_size: 4 },
          // resourceType defaults to local files (ResourceType.Local).
          resources: input.images.map((image) => image.path),
          dataParams: { image_quality: 80, sorting_method: 'natural' },
        },
        { ...events, upload: { maxRequestSize: settings.bulkLimitBytes, chunkSize: settings.tusChunkBytes } },
      ),
      settings.progress(),
    ).pipe(tap((task) => log(`      task #${task.id} "${task.name}": ${task.size} frames`)));
  };

  const status$ = (task: Task): Observable<string> =>
    task.status$.pipe(
      last(),
      map((status) => status.status),
      tap((status) => say(5, `task.status$ completed: ${status}`)),
    );

  const annotate$ = (task: Task, input: DemoInput): Observable<number> =>
    withProgress(task.importAnnotations('COCO 1.0', input.annotationsPath, events), settings.progress()).pipe(
      switchMap(() => shapesOf(task)),
      tap((count) =>
        say(6, `Imported ${basename(input.annotationsPath)} (COCO 1.0): ${count} annotations on the server`),
      ),
    );

  const exports$ = (task: Task) =>
    withProgress(
      task.exportDataset('COCO 1.0', join(settings.outDir, 'dataset.zip'), {
        ...events,
        includeImages: true,
        overwrite: true,
      }),
      settings.progress(),
    ).pipe(
      concatMap((dataset) =>
        withProgress(
          task.downloadBackup(join(settings.outDir, 'task-backup.zip'), { ...events, overwrite: true }),
          settings.progress(),
        ).pipe(map((backup) => ({ dataset, backup }))),
      ),
      map(({ dataset, backup }) => ({
        dataset: { path: dataset.path, bytes: statSync(dataset.path).size },
        backup: { path: backup.path, bytes: statSync(backup.path).size },
      })),
      tap(({ dataset, backup }) =>
        say(
          7,
          `Exported the dataset to ${display(dataset.path)} (${formatBytes(dataset.bytes)}) ` +
            `and a backup to ${display(backup.path)} (${formatBytes(backup.bytes)})`,
        ),
      ),
    );

  const restore$ = (backupPath: string) =>
    withProgress(client.tasks.createFromBackup(backupPath, events), settings.progress()).pipe(
      switchMap((task) => shapesOf(task).pipe(map((annotations) => ({ task, annotations })))),
      tap(({ task, annotations }) =>
        say(8, `Restored the backup as task #${task.id}: ${task.size} frames, ${annotations} annotations`),
      ),
    );

  // A detection function with no model: it finds the solid label-coloured boxes the frames were painted with.
  const autoAnnotate$ = (task: Task) =>
    withProgress(
      task.autoAnnotate(createColourBlobDetector(), { clearExisting: true, concurrency: 2 }),
      settings.progress(),
    ).pipe(
      switchMap((result) => shapesOf(task).pipe(map((onServer) => ({ ...result, onServer })))),
      tap((result) =>
        say(
          9,
          `Auto-annotated task #${task.id} with examples/functions/colour-blobs.ts: ` +
            `${result.shapes} shapes found on ${result.frames} frames, ${result.onServer} on the server`,
        ),
      ),
    );

  return who$
    .pipe(
      concatMap((who) => project$.pipe(map((project) => ({ who, project })))),
      concatMap((s) => input$.pipe(map((input) => ({ ...s, input })))),
      concatMap((s) => createTask(s.project, s.input).pipe(map((task) => ({ ...s, task })))),
      concatMap((s) => status$(s.task).pipe(map((status) => ({ ...s, status })))),
      concatMap((s) => annotate$(s.task, s.input).pipe(map((onServer) => ({ ...s, onServer })))),
      concatMap((s) => exports$(s.task).pipe(map((files) => ({ ...s, ...files })))),
    )
    .pipe(
      concatMap((s) => restore$(s.backup.path).pipe(map((restored) => ({ ...s, restored })))),
      concatMap((s) => autoAnnotate$(s.task).pipe(map((autoAnnotated) => ({ ...s, autoAnnotated })))),
      concatMap((s) =>
        s.task.jobs().pipe(
          count(),
          map((jobs): DemoSummary => {
            const tus = s.input.images.filter((image) => image.size > settings.bulkLimitBytes).length;
            return {
              user: s.who.user,
              serverVersion: s.who.version,
              project: { id: s.project.id, name: s.project.name ?? '', labels: LABELS.map((l) => l.name) },
              task: { id: s.task.id, name: s.task.name ?? '', frames: s.task.size ?? 0, jobs },
              uploaded: {
                files: s.input.images.length,
                bytes: s.input.totalBytes,
                bulk: s.input.images.length - tus,
                tus,
              },
              status: s.status,
              annotations: { imported: s.input.annotationCount, onServer: s.onServer },
              dataset: s.dataset,
              backup: s.backup,
              restored: {
                id: s.restored.task.id,
                frames: s.restored.task.size ?? 0,
                annotations: s.restored.annotations,
              },
              autoAnnotated: {
                frames: s.autoAnnotated.frames,
                shapes: s.autoAnnotated.shapes,
                onServer: s.autoAnnotated.onServer,
              },
            };
          }),
        ),
      ),
      tap(() => say(10, 'Done')),
    );
}
