export { BaseApi } from './base-api';
export { buildRequest, isJsonContentType } from './build-request';
export { decodeBody, invoke } from './invoke';
export type {
  ApiEvent,
  CallData,
  CallOptions,
  CallResult,
  OperationSpec,
  ParameterLocation,
  ParameterSpec,
  ApiResultEvent,
} from './types';
