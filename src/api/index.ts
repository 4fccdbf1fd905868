/** The low-level API: `ApiClient`, one generated class per OpenAPI tag, and the per-call options. */
export * from './generated';
export { BaseApi } from './runtime';
export type { ApiEvent, ApiResultEvent, CallData, CallOptions, CallResult, OperationSpec } from './runtime';
