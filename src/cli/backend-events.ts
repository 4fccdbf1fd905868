/** The events and small results every part of the CLI backend shares (kept apart so the backend
 * modules do not import each other). */

export type TransferPhase = 'upload' | 'processing' | 'download';

/**
 * Progress of a long operation. `loaded`/`total` are bytes for upload and download unless
 * `unit` says `items` (frames downloaded, for instance); for `processing` they are any
 * consistent scale (e.g. the server's progress as 0..1 or 0..100), shown as a percentage.
 */
export interface CliProgressEvent {
  readonly type: 'progress';
  readonly phase: TransferPhase;
  readonly loaded: number;
  readonly total?: number;
  readonly message?: string;
  readonly unit?: 'bytes' | 'items';
}

export interface CliResultEvent<T> {
  readonly type: 'result';
  readonly value: T;
}

/** Progress events, then exactly one result, then completion. */
export type TransferEvent<T> = CliProgressEvent | CliResultEvent<T>;

/** One row of `task ls` / `project ls`. `json` is what `--json` prints (the server's object). */
export interface ResourceSummary {
  readonly id: number;
  readonly name: string;
  readonly json: Readonly<Record<string, unknown>>;
}
export type TaskSummary = ResourceSummary;
export type ProjectSummary = ResourceSummary;

export interface Created {
  readonly id: number;
}

export interface SavedFile {
  /** Where the file was written (after the atomic rename). */
  readonly path: string;
}

export interface SavedFiles {
  readonly paths: readonly string[];
}

/** `deleted: false` means the object did not exist (cvat-cli ignores those, and so do we). */
export interface DeleteOutcome {
  readonly id: number;
  readonly deleted: boolean;
}
