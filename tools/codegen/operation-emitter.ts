import { camelCase, docComment, methodName, paramsTypeName, propertyKey, specConstName } from './naming';
import type { LowerHttpMethod, Operation, Parameter, Schema } from './openapi';
import { codecOf, typeOf, type Imports } from './schema-emitter';

/** One operation as the pieces of source its tag module needs. */
export interface EmittedOperation {
  readonly operationId: string;
  readonly method: string;
  /** `export type XxxParams = …` */
  readonly paramsType: string;
  /** `const xxx: OperationSpec<D> = …` */
  readonly spec: string;
  /** The class member. */
  readonly member: string;
}

const JSON_TYPES = /^application\/(.+\+)?json$/;
const CVAT_JSON = 'application/vnd.cvat+json';

interface ResponseShape {
  readonly codec: string;
  readonly type: string;
  readonly binary: boolean;
  readonly hasContent: boolean;
}

export function emitOperation(
  path: string,
  httpMethod: LowerHttpMethod,
  operation: Operation,
  pathParameters: readonly Parameter[],
  imports: Imports,
): EmittedOperation {
  const id = operation.operationId;
  const tag = operation.tags[0];
  if (tag === undefined) throw new Error(`${id} has no tag`);
  const name = methodName(id, tag);
  const parameters = mergeParameters(pathParameters, operation.parameters ?? []);
  const opts = { imports };

  // Parameter object: path, query and header parameters by camelCase key, then `body`.
  const keys = new Set<string>();
  const fields: string[] = [];
  const specParams: string[] = [];
  for (const parameter of parameters) {
    const key = camelCase(parameter.name);
    if (keys.has(key) || key === 'body') throw new Error(`${id}: parameter key ${key} is ambiguous`);
    keys.add(key);
    const required = parameter.in === 'path' || parameter.required === true;
    const type = parameter.schema ? typeOf(parameter.schema, opts) : 'string';
    const doc = docComment([parameter.description, parameter.deprecated ? '@deprecated' : undefined]);
    fields.push(`${doc}readonly ${propertyKey(key)}${required ? '' : '?'}: ${type};`);
    specParams.push(
      `{ key: ${JSON.stringify(key)}, name: ${JSON.stringify(parameter.name)}, in: ${JSON.stringify(parameter.in)}, required: ${required} }`,
    );
  }
  const requestBody = operation.requestBody;
  let bodySpec = '';
  if (requestBody !== undefined) {
    const contentTypes = Object.keys(requestBody.content);
    const types = [
      ...new Set(
        Object.values(requestBody.content).map((media) =>
          media.schema ? typeOf(media.schema, opts) : 'unknown',
        ),
      ),
    ];
    const required = requestBody.required === true;
    fields.push(`readonly body${required ? '' : '?'}: ${types.join(' | ')};`);
    bodySpec = `body: { required: ${required}, contentTypes: ${JSON.stringify(contentTypes)} },`;
  }
  const typeName = paramsTypeName(id);
  const paramsType =
    fields.length > 0
      ? `export type ${typeName} = {\n${fields.join('\n')}\n};\n`
      : `export type ${typeName} = { readonly [key: string]: never };\n`;
  const anyRequired =
    parameters.some((parameter) => parameter.in === 'path' || parameter.required === true) ||
    requestBody?.required === true;

  // Responses: decoders by status; 2xx ones give the data type.
  const success: string[] = [];
  const failure: string[] = [];
  const dataTypes = new Set<string>();
  let json = false;
  let binary = false;
  const accepted = new Set<string>();
  for (const [status, response] of Object.entries(operation.responses)) {
    const code = Number(status);
    if (!Number.isInteger(code)) continue; // `default` and `2XX` ranges: CVAT's document has none
    const shape = responseShape(response.content, imports);
    if (code >= 200 && code < 300) {
      for (const type of Object.keys(response.content ?? {})) if (JSON_TYPES.test(type)) accepted.add(type);
      success.push(`${code}: ${shape.codec}`);
      dataTypes.add(shape.type);
      if (shape.binary) binary = true;
      else if (shape.hasContent) json = true;
    } else if (shape.hasContent) {
      failure.push(`${code}: ${shape.codec}`);
    }
  }
  if (success.length === 0) throw new Error(`${id} declares no 2xx response`);
  const dataType = [...dataTypes].join(' | ');
  // Bodies the document does not describe (previews, frames, files) come as bytes.
  const responseType = json ? 'json' : binary || httpMethod === 'get' ? 'arraybuffer' : 'json';

  // The transport asks for CVAT's own JSON type; operations documented with other JSON types ask for those.
  const accept = [...accepted].join(', ');
  const acceptSpec = accept && accept !== CVAT_JSON ? `accept: ${JSON.stringify(accept)},\n` : '';
  const constName = specConstName(id);
  const spec =
    `const ${constName}: OperationSpec<${dataType}> = {\n` +
    `operationId: ${JSON.stringify(id)},\n` +
    `method: ${JSON.stringify(httpMethod.toUpperCase())},\n` +
    `path: ${JSON.stringify(path)},\n` +
    `parameters: [${specParams.join(', ')}],\n` +
    bodySpec +
    `responseType: ${JSON.stringify(responseType)},\n` +
    acceptSpec +
    `success: { ${success.join(', ')} },\n` +
    `failure: { ${failure.join(', ')} },\n` +
    `};\n`;

  const doc = docComment([
    operation.summary,
    operation.description,
    `\`${httpMethod.toUpperCase()} ${path}\` (\`${id}\`)`,
    operation.deprecated ? '@deprecated' : undefined,
  ]);
  const member =
    `${doc}${name}<O extends CallOptions = CallOptions>(params: ${typeName}${anyRequired ? '' : ' = {}'}, options?: O): CallResult<${dataType}, O> {\n` +
    `return invoke(this.transport, ${constName}, params, options);\n}\n`;
  return { operationId: id, method: name, paramsType, spec, member };
}

function mergeParameters(pathLevel: readonly Parameter[], operationLevel: readonly Parameter[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const parameter of [...pathLevel, ...operationLevel]) {
    if (parameter.in === 'cookie') continue; // cookies belong to the session, not to callers
    byKey.set(`${parameter.in}:${parameter.name}`, parameter);
  }
  return [...byKey.values()];
}

function responseShape(
  content: Readonly<Record<string, { readonly schema?: Schema }>> | undefined,
  imports: Imports,
): ResponseShape {
  const opts = { imports };
  const entries = Object.entries(content ?? {});
  const jsonEntry = entries.find(([type]) => JSON_TYPES.test(type) || type === 'application/vnd.cvat+json');
  const schema = (jsonEntry ?? entries[0])?.[1].schema;
  if (schema === undefined) {
    imports.scalars.add('NoContent');
    return { codec: 'NoContent', type: 'undefined', binary: false, hasContent: false };
  }
  // Binary schemas, and content in no JSON type (CSV, images), are read as bytes and not decoded further.
  if ((schema.type === 'string' && schema.format === 'binary') || jsonEntry === undefined) {
    imports.scalars.add('Binary');
    imports.binaryType = true;
    return { codec: 'Binary', type: 'BinaryData', binary: true, hasContent: true };
  }
  return {
    codec: codecOf(schema, opts),
    type: typeOf(schema, opts),
    binary: jsonEntry === undefined,
    hasContent: true,
  };
}
