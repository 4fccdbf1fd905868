import type { Transport } from '../../transport/transport';

/** The base of every generated tag class: all of them share one transport. */
export abstract class BaseApi {
  constructor(readonly transport: Transport) {}
}
