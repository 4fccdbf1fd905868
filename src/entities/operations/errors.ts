import { CvatError } from '../../errors';

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

  constructor(init: { taskId: number; removed: boolean; cause: unknown; cleanupError?: unknown }) {
    const reason = init.cause instanceof Error ? init.cause.message : String(init.cause);
    const outcome = init.removed
      ? `task ${init.taskId} was removed`
      : init.cleanupError === undefined
        ? `task ${init.taskId} was left on the server`
        : `task ${init.taskId} could not be removed (${describe(init.cleanupError)})`;
    super(`Creating a task from data failed; ${outcome}: ${reason}`, { cause: init.cause });
    this.taskId = init.taskId;
    this.removed = init.removed;
    this.cleanupError = init.cleanupError;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), taskId: this.taskId, removed: this.removed };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
