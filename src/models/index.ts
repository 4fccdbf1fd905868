/**
 * The io-ts codec and the type of every component schema of CVAT's OpenAPI document, under the
 * schema's own name (`TaskRead`, `DataRequest`, `PaginatedTaskReadList`, …), plus the scalar codecs
 * they share.
 */
export * from './generated';
export { Binary, Integer, NoContent, isBinaryData } from './scalars';
export type { BinaryData } from './scalars';
