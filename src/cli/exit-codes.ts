import {
  CvatError,
  isApiError,
  isDecodeError,
  isNetworkError,
  isRequestFailedError,
  isTimeoutError,
  isUsageError,
} from '../errors';

export const ExitCode = {
  ok: 0,
  /** Anything not classified below (a bug, a local I/O error, a cancelled server job). */
  failure: 1,
  usage: 2,
  auth: 3,
  server: 4,
  network: 5,
  interrupted: 130,
  terminated: 143,
} as const;

/** The user pressed Ctrl-C where no Observable was there to unsubscribe (the password prompt). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

/**
 * CVAT answers a rejected login with 400 ("Unable to log in with provided credentials"): an
 * authentication failure for the exit code, reported with the status the server sent.
 */
function isRejectedLogin(error: unknown): boolean {
  return isApiError(error) && error.status === 400 && error.operationId === 'auth_create_login';
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof InterruptedError) return ExitCode.interrupted;
  if (isUsageError(error)) return ExitCode.usage;
  if (isRejectedLogin(error)) return ExitCode.auth;
  if (isApiError(error))
    return error.status === 401 || error.status === 403 ? ExitCode.auth : ExitCode.server;
  if (isRequestFailedError(error) || isDecodeError(error)) return ExitCode.server;
  if (isNetworkError(error) || isTimeoutError(error)) return ExitCode.network;
  // A wrapper (e.g. TaskCreationError: "…; task 5 was removed: <cause>") exits as its cause would.
  if (error instanceof CvatError && error.cause !== undefined) return exitCodeFor(error.cause);
  return ExitCode.failure;
}

/** Folds a multi-line message (a DecodeError's issue list) into one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join('; ')
    .replace(/:;/g, ':');
}

function hintFor(error: unknown): string {
  if ((isApiError(error) && error.status === 401) || isRejectedLogin(error))
    return ' (check --auth, PASS or CVAT_ACCESS_TOKEN)';
  if (isApiError(error) && error.status === 403) return ' (permission denied; check --org)';
  return '';
}

/** The one line printed for an error, without the `cvat-rx: error: ` prefix. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${oneLine(error.message) || error.name}${hintFor(error)}`;
  return oneLine(String(error));
}

/** With --debug: the stack and the cause chain (names, messages and stacks only — never objects). */
export function debugDetails(error: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    lines.push(...(current.stack ?? `${current.name}: ${current.message}`).split('\n'));
    current = current.cause;
    if (current !== undefined) lines.push('caused by:');
  }
  if (current !== undefined && !(current instanceof Error)) lines.push(String(current));
  return lines;
}
