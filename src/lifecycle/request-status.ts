import { DecodeError } from '../errors';

/** The lifecycle state of a server-side request (CVAT's `RequestStatus` enum). */
export type RequestState = 'queued' | 'started' | 'finished' | 'failed';

/**
 * One observation of a server-side request (an rq_id), whichever endpoint it came from.
 * `progress` is a fraction in [0, 1], or undefined when the server does not know it.
 */
export interface RequestStatus {
  /** The rq_id; for the legacy endpoint, the id the caller gave. */
  readonly id: string;
  readonly status: RequestState;
  readonly progress: number | undefined;
  /** Status text while started; the formatted exception when failed; '' when none. */
  readonly message: string;
  readonly createdDate?: Date;
  readonly startedDate?: Date;
  readonly finishedDate?: Date;
  /** Where to download the result (exports), as the server gave it. */
  readonly resultUrl?: string;
  /** The created object's id (imports, backup restores). */
  readonly resultId?: number;
}

/** A date as the generated codecs may give it: an ISO string or an already decoded Date. */
export type DateInput = string | Date | null | undefined;

/**
 * The fields of CVAT's `Request` (`GET /api/requests/{rq_id}`) this module reads. Structural, so a
 * decoded generated `Request` fits; other fields (operation, owner, expiry_date) are ignored.
 */
export interface RequestsApiStatusInput {
  readonly id: string;
  readonly status: string;
  readonly progress?: number | null;
  readonly message?: string | null;
  readonly created_date?: DateInput;
  readonly started_date?: DateInput;
  readonly finished_date?: DateInput;
  readonly result_url?: string | null;
  readonly result_id?: number | null;
}

/** CVAT's legacy `RqStatus` (`GET /api/tasks/{id}/status`): state, message, progress in 0..100. */
export interface LegacyStatusInput {
  readonly state?: string | null;
  readonly message?: string | null;
  readonly progress?: number | null;
}

const CANCELLED_MESSAGE = 'The request was cancelled';

/**
 * Lower-cases (cvat-core does too) and folds RQ's other job states into the four CVAT documents:
 * deferred and scheduled jobs have not started; canceled and stopped ones will never finish.
 */
function toState(raw: unknown, codecName: string, path: string): { state: RequestState; cancelled: boolean } {
  // Typed as a string, but checked: callers may hand over data no codec has seen.
  const value = typeof raw === 'string' ? raw.toLowerCase() : undefined;
  switch (value) {
    case 'queued':
    case 'started':
    case 'finished':
    case 'failed':
      return { state: value, cancelled: false };
    case 'deferred':
    case 'scheduled':
      return { state: 'queued', cancelled: false };
    case 'canceled':
    case 'cancelled':
    case 'stopped':
      return { state: 'failed', cancelled: true };
    default:
      throw new DecodeError({
        codecName,
        issues: [`${path}: unknown request state ${JSON.stringify(raw) ?? String(raw)}`],
      });
  }
}

function toDate(value: DateInput, codecName: string, path: string): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value;
    throw new DecodeError({ codecName, issues: [`${path}: invalid date ${shown}`] });
  }
  return date;
}

/** A server message as text: a string as it is, anything else (never valid) as nothing. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toFraction(value: number | null | undefined, scale: number): number | undefined {
  if (value === null || value === undefined || !Number.isFinite(value)) return undefined;
  return Math.min(1, Math.max(0, value / scale));
}

/** Maps a Requests API answer. Throws DecodeError on an unknown state or an invalid date (use inside `map`). */
export function fromRequestsApi(raw: RequestsApiStatusInput): RequestStatus {
  const codecName = 'Request';
  const { state, cancelled } = toState(raw.status, codecName, 'status');
  const message = textOf(raw.message);
  return {
    id: raw.id,
    status: state,
    progress: toFraction(raw.progress, 1),
    message: cancelled && message === '' ? CANCELLED_MESSAGE : message,
    createdDate: toDate(raw.created_date, codecName, 'created_date'),
    startedDate: toDate(raw.started_date, codecName, 'started_date'),
    finishedDate: toDate(raw.finished_date, codecName, 'finished_date'),
    resultUrl: raw.result_url ?? undefined,
    resultId: raw.result_id ?? undefined,
  };
}

/**
 * Maps a legacy `RqStatus`. It carries no id, so the caller names the request (e.g. `task:42`).
 * `state` is required by CVAT's schema; a missing one is a DecodeError.
 */
export function fromLegacyStatus(raw: LegacyStatusInput, id: string): RequestStatus {
  const codecName = 'RqStatus';
  if (raw.state === null || raw.state === undefined) {
    throw new DecodeError({ codecName, issues: ['state: missing'] });
  }
  const { state, cancelled } = toState(raw.state, codecName, 'state');
  const message = textOf(raw.message);
  return {
    id,
    status: state,
    progress: toFraction(raw.progress, 100),
    message: cancelled && message === '' ? CANCELLED_MESSAGE : message,
  };
}

/** The waiter classification of a RequestStatus. */
export function classifyRequestStatus(status: RequestStatus): 'pending' | 'finished' | 'failed' {
  if (status.status === 'finished') return 'finished';
  if (status.status === 'failed') return 'failed';
  return 'pending';
}

/**
 * Two observations are the same for emission purposes when state, progress and message agree.
 * The message is included because CVAT changes it between processing phases.
 */
export function isSameRequestStatus(a: RequestStatus, b: RequestStatus): boolean {
  return a.status === b.status && a.progress === b.progress && a.message === b.message;
}
