export * from './errors';
export { Configuration } from './transport/configuration';
export type { ConfigurationInit, OrganizationMode } from './transport/configuration';
export { Transport } from './transport/transport';
export type * from './transport/types';
