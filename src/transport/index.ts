export { Transport, apiErrorFrom, toApiError } from './transport';
export type { TransportOptions, RequestOptions } from './transport';
export { Configuration, DEFAULT_RETRY, DEFAULT_TIMEOUTS } from './configuration';
export type { ConfigurationInit, OrganizationMode } from './configuration';
export { Session, CookieJar } from './session';
export type { SessionMode } from './session';
export { decodeOrThrow } from './decode';
export type { DecodeContext } from './decode';
export { redactUrl, redactHeaders, describeServerBody } from './redact';
export { joinUrl, buildUrl, serializeQuery } from './url';
export {
  parseRetryAfter,
  fullJitterDelay,
  retryDelay,
  isIdempotent,
  IDEMPOTENT_METHODS,
  RETRYABLE_STATUSES,
} from './retry';
export { CVAT_ACCEPT } from './defaults';
export { chooseAuthScheme, basicAuthorization } from './auth';
export type { AuthScheme } from './auth';
export { applyOrganization } from './organization';
export { composeChain } from './chain';
export { isJsonContentType } from './response';
export type { NodeModules } from './runtime';
export { MultipartBody } from './multipart';
export type { MultipartEntry, MultipartField, MultipartFile, WholeFileReader } from './multipart';
export type * from './types';
