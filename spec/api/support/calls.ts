import { isObservable, map, type Observable } from 'rxjs';
import type { ApiClient } from '../../../src/api';
import type { ApiResponse } from '../../../src/transport/types';
import { apiMemberName, camelCase, methodName } from '../../../tools/codegen/naming';
import type { OpenApiDocument } from '../../../tools/codegen/openapi';
import type { OperationEntry } from './document';
import { sampleOf } from './samples';

const MULTIPART = 'multipart/form-data';

/** What a call should put on the wire. */
export interface ExpectedRequest {
  readonly method: string;
  readonly url: string;
  readonly query: Record<string, string | number | boolean>;
  readonly headers: Record<string, string>;
  /** `multipart/form-data`, a JSON type, or undefined without a body. */
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface PlannedCall {
  readonly operationId: string;
  readonly member: string;
  readonly methodName: string;
  readonly params: Record<string, unknown>;
  readonly expected: ExpectedRequest;
}

/**
 * Minimal valid arguments for an operation: every required parameter, one optional query parameter
 * (to check the camelCase → wire name mapping), `X-Organization` when it exists, and a body when one
 * is declared. Path strings carry characters that must be percent-encoded.
 */
export function planCall(
  entry: OperationEntry,
  document: OpenApiDocument,
  pathString = 'a b/ü',
): PlannedCall {
  const { operation } = entry;
  const tag = operation.tags[0] ?? '';
  const params: Record<string, unknown> = {};
  const query: Record<string, string | number | boolean> = {};
  const headers: Record<string, string> = {};
  let url = entry.path;
  const firstOptionalQuery = entry.parameters.find(
    (parameter) => parameter.in === 'query' && parameter.required !== true,
  );
  for (const parameter of entry.parameters) {
    const chosen =
      parameter.in === 'path' ||
      parameter.required === true ||
      parameter === firstOptionalQuery ||
      parameter.name === 'X-Organization';
    if (!chosen) continue;
    const schema = parameter.schema ?? { type: 'string' };
    let value = sampleOf(schema, document);
    if (
      parameter.in === 'path' &&
      schema.type === 'string' &&
      schema.pattern === undefined &&
      schema.format === undefined
    )
      value = pathString;
    if (parameter.name === 'X-Organization') value = 'my-org';
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new Error(`${operation.operationId}: no scalar sample for ${parameter.name}`);
    params[camelCase(parameter.name)] = value;
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
    else if (parameter.in === 'query') query[parameter.name] = value;
    else headers[parameter.name] = String(value);
  }
  let contentType: string | undefined;
  let body: unknown;
  if (operation.requestBody !== undefined) {
    const contentTypes = Object.keys(operation.requestBody.content);
    const schema = operation.requestBody.content[contentTypes[0] ?? '']?.schema ?? {};
    body = sampleOf(schema, document);
    params['body'] = body;
    const hasFile =
      typeof body === 'object' && body !== null && Object.values(body).some((value) => value instanceof Blob);
    contentType = hasFile && contentTypes.includes(MULTIPART) ? MULTIPART : contentTypes[0];
  }
  return {
    operationId: operation.operationId,
    member: apiMemberName(tag),
    methodName: methodName(operation.operationId, tag),
    params,
    expected: { method: entry.method.toUpperCase(), url, query, headers, contentType, body },
  };
}

/** Calls a generated method by its names (the table is data, so the lookup is dynamic). */
export function callMethod(
  client: ApiClient,
  call: PlannedCall,
  options?: Record<string, unknown>,
): Observable<[unknown, ApiResponse]> {
  const api: unknown = Reflect.get(client, call.member);
  if (typeof api !== 'object' || api === null) throw new Error(`ApiClient has no ${call.member}`);
  const method: unknown = Reflect.get(api, call.methodName);
  if (typeof method !== 'function') throw new Error(`${call.member} has no method ${call.methodName}`);
  const result: unknown = method.call(api, call.params, options);
  if (!isObservable(result))
    throw new Error(`${call.member}.${call.methodName} did not return an Observable`);
  return result.pipe(map(asResultTuple));
}

function asResultTuple(value: unknown): [unknown, ApiResponse] {
  if (!Array.isArray(value) || value.length !== 2)
    throw new Error('a generated method emitted no [data, response]');
  const [data, response]: unknown[] = value;
  if (!isApiResponse(response)) throw new Error('the second element is not an ApiResponse');
  return [data, response];
}

function isApiResponse(value: unknown): value is ApiResponse {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'status') === 'number';
}
