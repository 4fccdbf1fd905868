import type { Logger, PollingOptions } from '../client/options';
import type { RequestStatus, StatusLoopRegistry } from '../lifecycle';
import type { Transport } from '../transport/transport';
import type { TransferPlatform } from './operations/platform';

/**
 * What an entity or repository needs of the client that made it: the transport (which carries the
 * host, credentials and organization context) and the client's settings. Entities keep it so that
 * later operations (uploads, exports, frames) can be added without changing their constructors.
 */
export interface ClientContext {
  readonly transport: Transport;
  readonly pageSize: number;
  readonly polling: PollingOptions;
  readonly logger: Logger;
  /** The client's shared poll loops (one per watched object), so every `status$` subscriber shares one. */
  readonly statusLoops: StatusLoopRegistry<RequestStatus>;
  /** How files are read and written (Node: `nodePlatform` from `cvat-rx/node`); browser Files and Blobs when absent. */
  readonly platform?: TransferPlatform;
}

/** A ClientContext that may carry a platform (the browser platform when it does not). */
export type OperationsContext = ClientContext & { readonly platform?: TransferPlatform };
