/**
 * The page script of the browser test (bundled by esbuild for the browser, run in Chromium). It
 * uses the package root as an application would, against the emulator on another origin, and
 * renders what it does so the screenshot shows it. The test calls the functions on `window.cvatApp`.
 */
import { firstValueFrom, lastValueFrom, map, tap, toArray } from 'rxjs';
import type { Subscription } from 'rxjs';
import { makeClient, toProgressView } from '../../../src/index';
import type { CvatClient, ProgressEvent, Task, TransferEvent } from '../../../src/index';

export interface UploadRecord {
  readonly phase: string;
  readonly loaded: number;
  readonly total: number | undefined;
}

export interface MainResults {
  readonly username: string;
  readonly taskId: number;
  readonly fileNames: readonly string[];
  readonly fileSizes: readonly number[];
  /** Every progress event (upload, then processing), in order. */
  readonly events: readonly UploadRecord[];
  /** The percentages the progress bar showed (toProgressView). */
  readonly percents: readonly number[];
  /** The statuses `task.status$` emitted until it completed. */
  readonly statuses: readonly string[];
  readonly sizeAfterProcessing: number;
  readonly listedNames: readonly string[];
}

export interface CancelStarted {
  readonly taskId: number;
  readonly total: number;
}

export interface CancelOutcome {
  /** The bytes reported when the page unsubscribed. */
  readonly loadedAtCancel: number;
  readonly total: number;
  /** Notifications (next/error/complete) that reached the page after it unsubscribed. */
  readonly afterCancel: number;
  readonly errors: readonly string[];
}

export interface CvatApp {
  run(api: string): Promise<MainResults>;
  /** Starts an upload and unsubscribes at its first progress past zero (see `cancelled`). */
  startCancel(api: string): Promise<CancelStarted>;
  /** Resolves once the page has unsubscribed. */
  cancelled(): Promise<CancelOutcome>;
  /** The cancelled task as the server now has it (a request that also proves the page still works). */
  cancelledTaskSize(): Promise<number>;
}

declare global {
  interface Window {
    cvatApp: CvatApp;
  }
}

let session: CvatClient | undefined;

async function login(api: string): Promise<CvatClient> {
  session ??= await firstValueFrom(makeClient({ host: api }).login({ username: 'admin', password: 'admin' }));
  return session;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, id: string): HTMLElementTagNameMap[K] {
  const existing = document.getElementById(id);
  if (existing) return existing as HTMLElementTagNameMap[K];
  const created = document.createElement(tag);
  created.id = id;
  document.body.append(created);
  return created;
}

function show(id: string, text: string): void {
  element('p', id).textContent = text;
}

/** A PNG drawn on a canvas: real image bytes, as a user's File would carry. */
function pngFile(name: string, size: number, noise: boolean): Promise<File> {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2d context');
  if (noise) {
    // Random pixels do not compress, so this file is large enough to go by TUS in several chunks.
    const image = g.createImageData(size, size);
    crypto.getRandomValues(image.data.subarray(0, Math.min(image.data.length, 65536)));
    for (let i = 65536; i < image.data.length; i += 65536) {
      crypto.getRandomValues(image.data.subarray(i, Math.min(image.data.length, i + 65536)));
    }
    g.putImageData(image, 0, 0);
  } else {
    g.fillStyle = '#3a7';
    g.fillRect(0, 0, size, size);
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(new File([blob], name, { type: 'image/png' })) : reject(new Error('toBlob'))),
      'image/png',
    ),
  );
}

async function run(api: string): Promise<MainResults> {
  const client = await login(api);
  const me = await firstValueFrom(client.users.retrieveCurrentUser());
  show('user', `logged in as ${me.username}`);

  const files = [
    await pngFile('small-1.png', 16, false),
    await pngFile('small-2.png', 24, false),
    await pngFile('noise.png', 320, true),
  ];

  const bar = element('progress', 'bar');
  bar.max = 100;
  const events: UploadRecord[] = [];
  const percents: number[] = [];
  // Small files share one multipart request; the noisy one goes by TUS in several chunks.
  const create$ = client.tasks.createFromData(
    {
      spec: { name: 'browser upload', labels: [{ name: 'cat' }] },
      resources: files,
      dataParams: { image_quality: 70, sorting_method: 'predefined' },
    },
    { observe: 'events', upload: { maxRequestSize: 64 * 1024, chunkSize: 96 * 1024 } },
  );
  const views: TransferEvent<Task>[] = await lastValueFrom(
    create$.pipe(
      tap((event) => {
        if (event.type === 'progress') events.push(record(event));
      }),
      toProgressView({ intervalMs: 0 }),
      tap((view) => {
        if (view.type === 'progress' && view.percent !== undefined) {
          if (view.phase === 'upload') percents.push(view.percent);
          bar.value = view.percent;
          show('upload', `${view.phase} ${Math.round(view.percent)}%`);
        }
      }),
      toArray(),
    ),
  );
  const last = views[views.length - 1];
  if (last?.type !== 'result') throw new Error('the task creation ended without a result');
  const task = last.value;

  const statuses = await lastValueFrom(
    task.status$.pipe(
      map((status) => status.status),
      tap((status) => show('status', `task ${task.id}: ${status}`)),
      toArray(),
    ),
  );
  const processed = await firstValueFrom(task.fetch());
  const listedNames = await lastValueFrom(
    client.tasks.list().pipe(
      map((t) => `${t.id}: ${t.name} (${t.size} frames)`),
      toArray(),
    ),
  );
  const list = element('ul', 'tasks');
  list.replaceChildren(
    ...listedNames.map((name) => {
      const item = document.createElement('li');
      item.textContent = name;
      return item;
    }),
  );
  return {
    username: me.username,
    taskId: task.id,
    fileNames: files.map((f) => f.name),
    fileSizes: files.map((f) => f.size),
    events,
    percents,
    statuses,
    sizeAfterProcessing: processed.size ?? 0,
    listedNames,
  };
}

function record(event: ProgressEvent): UploadRecord {
  return { phase: event.phase, loaded: event.loaded, total: event.total };
}

let cancelTaskId: number | undefined;
let cancelState: { afterCancel: number; errors: string[] } | undefined;
let cancelPoint: Promise<{ loadedAtCancel: number; total: number }> | undefined;

async function startCancel(api: string): Promise<CancelStarted> {
  const client = await login(api);
  const task = await firstValueFrom(
    client.tasks.create({ name: 'browser cancel', labels: [{ name: 'dog' }] }),
  );
  cancelTaskId = task.id;
  // Large enough that the chunk is still in flight when its first progress arrives.
  const big = new File([new Uint8Array(24 * 2 ** 20)], 'big.bin', { type: 'application/octet-stream' });
  const state = { afterCancel: 0, errors: [] as string[] };
  cancelState = state;
  let cancelled = false;
  let subscription: Subscription | undefined;
  cancelPoint = new Promise((resolve) => {
    const notCancelled = () => resolve({ loadedAtCancel: -1, total: big.size });
    // Over the request size limit, the file goes by TUS (chunks of 10 MiB and up).
    subscription = task
      .uploadData({ resources: [big] }, { observe: 'events', upload: { maxRequestSize: 2 ** 20 } })
      .subscribe({
        next: (event) => {
          if (cancelled) {
            state.afterCancel += 1;
            return;
          }
          if (event.type === 'progress' && event.loaded > 0 && event.loaded < big.size) {
            cancelled = true;
            show('cancel', `cancelled at ${event.loaded} of ${big.size} bytes`);
            // Unsubscribing is the cancellation: the request in flight is aborted, nothing more is sent.
            subscription?.unsubscribe();
            resolve({ loadedAtCancel: event.loaded, total: big.size });
          }
        },
        error: (error: unknown) => {
          state.errors.push(String(error));
          if (cancelled) state.afterCancel += 1;
          else notCancelled();
        },
        complete: () => {
          if (cancelled) state.afterCancel += 1;
          else notCancelled();
        },
      });
  });
  return { taskId: task.id, total: big.size };
}

async function cancelled(): Promise<CancelOutcome> {
  if (!cancelPoint || !cancelState) throw new Error('startCancel first');
  const point = await cancelPoint;
  return { ...point, afterCancel: cancelState.afterCancel, errors: [...cancelState.errors] };
}

async function cancelledTaskSize(): Promise<number> {
  if (!session || cancelTaskId === undefined) throw new Error('startCancel first');
  const task = await firstValueFrom(session.tasks.retrieve(cancelTaskId));
  return task.size ?? 0;
}

window.cvatApp = { run, startCancel, cancelled, cancelledTaskSize };
