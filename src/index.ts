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

// Long operations (task data, imports, exports, backups, frames) as functions over a client context;
// the same are methods on the entities and repositories.
export * from './entities/operations';

// Server requests (rq_id) and lists.
export * from './lifecycle';
export * from './pagination';

// Uploads, downloads and progress.
export * from './transfer';

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

// The transport.
export * from './transport';
