import { UsageError } from '../../errors';
import { isBinaryData, isReadableLike } from '../../models/scalars';
import type { QueryValue, RequestBody, TransportRequest } from '../../transport/types';
import { isPlainObject, toJsonBody } from './json-body';
import { toFormData } from './multipart';
import type { CallOptions, OperationSpec, ParameterSpec } from './types';

const MULTIPART = 'multipart/form-data';

/** Turns a parameter object into a transport request; throws `UsageError` (call it inside `defer`). */
export function buildRequest<D>(
  spec: OperationSpec<D>,
  params: Readonly<Record<string, unknown>>,
  options: CallOptions = {},
): TransportRequest {
  const id = spec.operationId;
  let url = spec.path;
  const query: Record<string, QueryValue> = {};
  const headers: Record<string, string> = spec.accept ? { Accept: spec.accept } : {};

  for (const param of spec.parameters) {
    const value = params[param.key];
    if (value === undefined || value === null) {
      if (param.required) throw new UsageError(`${id}: the parameter '${param.key}' is required`);
      continue;
    }
    if (param.in === 'path') {
      url = url.replace(`{${param.name}}`, encodeURIComponent(scalar(value, param, id)));
    } else if (param.in === 'query') {
      query[param.name] = Array.isArray(value)
        ? value.map((item: unknown) => scalar(item, param, id))
        : scalar(value, param, id);
    } else {
      headers[param.name] = String(scalar(value, param, id));
    }
  }

  const request: TransportRequest = {
    method: spec.method,
    url,
    operationId: id,
    ...(Object.keys(query).length > 0 ? { query } : {}),
    ...(spec.responseType !== 'json' || options.responseType
      ? { responseType: options.responseType ?? spec.responseType }
      : {}),
  };
  const body = bodyOf(spec, params, options, headers);
  const allHeaders = { ...headers, ...options.headers };
  return {
    ...request,
    ...(Object.keys(allHeaders).length > 0 ? { headers: allHeaders } : {}),
    ...(body === undefined ? {} : { body }),
  };
}

function scalar(value: unknown, param: ParameterSpec, id: string): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new UsageError(`${id}: the parameter '${param.key}' must be a string, a finite number or a boolean`);
}

function bodyOf<D>(
  spec: OperationSpec<D>,
  params: Readonly<Record<string, unknown>>,
  options: CallOptions,
  headers: Record<string, string>,
): RequestBody | undefined {
  const id = spec.operationId;
  const value = params['body'];
  if (!spec.body) {
    if (value !== undefined) throw new UsageError(`${id}: this operation takes no request body`);
    return undefined;
  }
  if (value === undefined) {
    if (spec.body.required) throw new UsageError(`${id}: the request body is required`);
    return undefined;
  }
  const declared = spec.body.contentTypes;
  const contentType =
    options.contentType ??
    (declared.includes(MULTIPART) && containsFiles(value) ? MULTIPART : (declared[0] ?? 'application/json'));
  if (contentType === MULTIPART) return toFormData(value, id); // the transport adds the boundary
  headers['Content-Type'] = contentType;
  if (isJsonContentType(contentType)) return toJsonBody(value, id);
  if (typeof value === 'string' || isBinaryData(value)) return value;
  throw new UsageError(`${id}: a ${contentType} body must be a string, bytes, a Blob or a stream`);
}

export function isJsonContentType(contentType: string): boolean {
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return base === 'application/json' || base.endsWith('+json');
}

/** Whether a body object carries file content at its top level or in a top-level list. */
function containsFiles(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  return Object.values(value).some(
    (field) =>
      isBinaryData(field) ||
      isReadableLike(field) ||
      (Array.isArray(field) && field.some((item) => isBinaryData(item))),
  );
}
