export { backoffDelay } from './backoff';
export type { BackoffSettings, Jitter } from './backoff';
export {
  DEFAULT_MAX_CONSECUTIVE_ERRORS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MIN_DELAY_MS,
  isTransientPollError,
  pollUntilDone,
  shallowEqual,
} from './waiter';
export type { PollOutcome, WaiterOptions } from './waiter';
export {
  classifyRequestStatus,
  fromLegacyStatus,
  fromRequestsApi,
  isSameRequestStatus,
} from './request-status';
export type {
  DateInput,
  LegacyStatusInput,
  RequestState,
  RequestStatus,
  RequestsApiStatusInput,
} from './request-status';
export {
  StatusLoopRegistry,
  isEndpointMissing,
  shareStatus,
  watchRequest,
  withLegacyFallback,
} from './watch';
export type { LegacyFallbackOptions, WatchRequestOptions } from './watch';
