import * as t from 'io-ts';

/** The subset of OpenAPI 3.0 the generator reads, as io-ts codecs: a malformed document fails loudly. */

export interface Reference {
  readonly $ref: string;
}

export interface SchemaObject {
  readonly type?: string;
  readonly format?: string;
  readonly nullable?: boolean;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: boolean | Schema;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly description?: string;
  readonly readOnly?: boolean;
  readonly writeOnly?: boolean;
  readonly deprecated?: boolean;
  readonly $ref?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
}
export type Schema = SchemaObject;

export const Schema: t.Type<Schema> = t.recursion('Schema', (self) =>
  t.partial({
    type: t.string,
    format: t.string,
    nullable: t.boolean,
    enum: t.readonlyArray(t.unknown),
    properties: t.record(t.string, self),
    required: t.readonlyArray(t.string),
    items: self,
    additionalProperties: t.union([t.boolean, self]),
    allOf: t.readonlyArray(self),
    oneOf: t.readonlyArray(self),
    anyOf: t.readonlyArray(self),
    description: t.string,
    readOnly: t.boolean,
    writeOnly: t.boolean,
    deprecated: t.boolean,
    $ref: t.string,
    minimum: t.number,
    maximum: t.number,
    minLength: t.number,
    maxLength: t.number,
    minItems: t.number,
    maxItems: t.number,
    pattern: t.string,
  }),
);

export const Parameter = t.intersection(
  [
    t.type({ name: t.string, in: t.keyof({ path: null, query: null, header: null, cookie: null }) }),
    t.partial({ required: t.boolean, schema: Schema, description: t.string, deprecated: t.boolean }),
  ],
  'Parameter',
);
export type Parameter = t.TypeOf<typeof Parameter>;

const MediaType = t.partial({ schema: Schema }, 'MediaType');
const Content = t.record(t.string, MediaType, 'Content');

export const Operation = t.intersection(
  [
    t.type({
      operationId: t.string,
      tags: t.readonlyArray(t.string),
      responses: t.record(t.string, t.partial({ description: t.string, content: Content })),
    }),
    t.partial({
      summary: t.string,
      description: t.string,
      deprecated: t.boolean,
      parameters: t.readonlyArray(Parameter),
      requestBody: t.intersection([t.type({ content: Content }), t.partial({ required: t.boolean })]),
      security: t.readonlyArray(t.record(t.string, t.readonlyArray(t.string))),
    }),
  ],
  'Operation',
);
export type Operation = t.TypeOf<typeof Operation>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type LowerHttpMethod = (typeof HTTP_METHODS)[number];

const PathItem = t.partial({
  parameters: t.readonlyArray(Parameter),
  get: Operation,
  put: Operation,
  post: Operation,
  delete: Operation,
  options: Operation,
  head: Operation,
  patch: Operation,
  trace: Operation,
});
export type PathItem = t.TypeOf<typeof PathItem>;

export const OpenApiDocument = t.type(
  {
    openapi: t.string,
    info: t.type({ title: t.string, version: t.string }),
    paths: t.record(t.string, PathItem),
    components: t.type({ schemas: t.record(t.string, Schema) }),
  },
  'OpenApiDocument',
);
export type OpenApiDocument = t.TypeOf<typeof OpenApiDocument>;

/** The component name a local `$ref` points to. */
export function refName(ref: string): string {
  const prefix = '#/components/schemas/';
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}
