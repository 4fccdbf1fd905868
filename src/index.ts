// The package root: browser-safe. Node-only parts live behind `cvat-rx/node` and `cvat-rx/emulator`;
// the generated io-ts codecs are also available on their own as `cvat-rx/models`.
export * from './errors';

// The high-level client.
export { makeClient, connect, CvatClient, TESTED_SERVER_VERSION } from './client';
export type {
  ClientConfig,
  ClientOptions,
  Credentials,
  PasswordCredentials,
  TokenCredentials,
  Logger,
  PollingOptions,
  ServerVersionCheck,
} from './client';
export type * from './entities';
export type * from './repositories';

// What the long operations (task data, imports, exports, backups, frames) take and give. They are
// methods of the entities and repositories; the functions behind them stay inside the package.
export type * from './entities/operations';
export {
  DEFAULT_IMAGE_QUALITY,
  ResourceType,
  ProjectCreationError,
  TaskCreationError,
  toBlob,
} from './entities/operations';

// Server requests (rq_id) and lists: the types a caller names, and the filter builder.
export type * from './lifecycle';
export type * from './pagination';
export { Filter, filterFor } from './pagination';

// Progress: the events, the view operator and its guards.
export type * from './transfer';
export { isProgressEvent, isResultEvent, toProgressView } from './transfer';

// The generated low-level API. Its io-ts models are the `cvat-rx/models` subpath (entity names such
// as `Task` and `Label` would otherwise clash with schema names).
export * from './api/generated';
export { BaseApi } from './api/runtime';
export type {
  ApiEvent,
  ApiResultEvent,
  CallData,
  CallOptions,
  CallResult,
  OperationSpec,
  ParameterLocation,
  ParameterSpec,
} from './api/runtime';

// The transport, for the low-level API (`new ApiClient(new Configuration({ host, … }))`).
export type * from './transport';
export { Configuration, DEFAULT_RETRY, DEFAULT_TIMEOUTS, Transport } from './transport';
