import { CvatError } from '../../errors';

/** What a failed creation reports: whether the half-made object was removed, and why it failed. */
export interface CreationFailure {
  readonly removed: boolean;
  readonly cause: unknown;
  readonly cleanupError?: unknown;
}

/** `Creating a task from data failed; task 5 was removed: <cause>`. */
function creationMessage(what: string, noun: string, id: number, init: CreationFailure): string {
  const outcome = init.removed
    ? `${noun} ${id} was removed`
    : init.cleanupError === undefined
      ? `${noun} ${id} was left on the server`
      : `${noun} ${id} could not be removed (${describe(init.cleanupError)})`;
  return `${what} failed; ${outcome}: ${describe(init.cause)}`;
}

/**
 * Creating a task from data failed after the task itself was created. `cause` is the original
 * error (an ApiError, RequestFailedError, NetworkError, …); `removed` says whether the half-made
 * task was deleted again, and `cleanupError` why not when deleting it failed.
 */
export class TaskCreationError extends CvatError {
  override readonly name: string = 'TaskCreationError';
  readonly kind: string = 'task_creation';
  readonly taskId: number;
  readonly removed: boolean;
  readonly cleanupError: unknown;

  constructor(init: CreationFailure & { readonly taskId: number }) {
    super(creationMessage('Creating a task from data', 'task', init.taskId, init), { cause: init.cause });
    this.taskId = init.taskId;
    this.removed = init.removed;
    this.cleanupError = init.cleanupError;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), taskId: this.taskId, removed: this.removed };
  }
}

/** The same for a project created from a dataset whose import failed. */
export class ProjectCreationError extends CvatError {
  override readonly name: string = 'ProjectCreationError';
  readonly kind: string = 'project_creation';
  readonly projectId: number;
  readonly removed: boolean;
  readonly cleanupError: unknown;

  constructor(init: CreationFailure & { readonly projectId: number }) {
    super(creationMessage('Creating a project from a dataset', 'project', init.projectId, init), {
      cause: init.cause,
    });
    this.projectId = init.projectId;
    this.removed = init.removed;
    this.cleanupError = init.cleanupError;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), projectId: this.projectId, removed: this.removed };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
