import { generate } from '../../tools/codegen/generate';
import {
  apiClassName,
  apiMemberName,
  camelCase,
  methodName,
  paramsTypeName,
} from '../../tools/codegen/naming';
import type { OpenApiDocument, Schema } from '../../tools/codegen/openapi';
import { codecOf, newImports, PURE, typeOf } from '../../tools/codegen/schema-emitter';

const emit = (schema: Schema, name?: string) => {
  const imports = newImports();
  // The pure marks (for tree-shaking; see the test below) are left out of the expected strings.
  const code = codecOf(schema, { imports }, name).replaceAll(PURE, '');
  return { code: code.replace(/\s+/g, ' '), imports };
};

function documentWith(
  schemas: Record<string, Schema>,
  paths: OpenApiDocument['paths'] = {},
): OpenApiDocument {
  return { openapi: '3.0.3', info: { title: 'T', version: '1' }, paths, components: { schemas } };
}

describe('codegen naming (as the Python SDK names things, in camelCase)', () => {
  it.each([
    ['tasks_retrieve_status', 'tasks', 'retrieveStatus'],
    ['tasks_create_data', 'tasks', 'createData'],
    ['cloudstorages_retrieve_content_v2', 'cloudstorages', 'retrieveContentV2'],
    ['schema_retrieve', 'schema', 'retrieve'],
  ])('%s → %s.%s', (operationId, tag, expected) => {
    expect(methodName(operationId, tag)).toBe(expected);
  });

  it('names classes, members, parameter types and keys', () => {
    expect(apiClassName('cloudstorages')).toBe('CloudstoragesApi');
    expect(apiMemberName('cloudstorages')).toBe('cloudstoragesApi');
    expect(paramsTypeName('tasks_retrieve_status')).toBe('TasksRetrieveStatusParams');
    expect(camelCase('X-Organization')).toBe('xOrganization');
    expect(camelCase('page_size')).toBe('pageSize');
  });

  it('refuses an operationId outside its tag', () => {
    expect(() => methodName('jobs_list', 'tasks')).toThrow('does not start with tasks_');
  });
});

describe('codegen schema emitter', () => {
  it('splits required and optional properties, keeps objects open, names the codec', () => {
    const { code, imports } = emit(
      {
        type: 'object',
        properties: { id: { type: 'integer' }, note: { type: 'string', nullable: true } },
        required: ['id'],
      },
      'Thing',
    );
    expect(code).toBe(
      't.intersection([t.type({ id: Integer, }, "Thing"), t.partial({ note: t.union([t.string, t.null]), }, "Partial<Thing>")], "Thing")',
    );
    expect([...imports.scalars]).toEqual(['Integer']);
  });

  it('emits enums as literal unions, maps as records, binaries as Binary, refs as imports', () => {
    expect(emit({ enum: ['a', 'b'] }, 'E').code).toBe('t.keyof({ a: null, b: null }, "E")');
    expect(emit({ enum: [''] }).code).toBe('t.literal("")');
    expect(emit({ type: 'string', enum: ['x', 'y'], nullable: true }).code).toBe(
      't.union([t.keyof({ x: null, y: null }), t.null])',
    );
    expect(emit({ type: 'object', additionalProperties: { type: 'integer' } }).code).toBe(
      't.record(t.string, Integer)',
    );
    expect(emit({ type: 'string', format: 'binary' }).code).toBe('Binary');
    const ref = emit({ allOf: [{ $ref: '#/components/schemas/User' }], nullable: true });
    expect(ref.code).toBe('t.union([User, t.null])');
    expect([...ref.imports.models]).toEqual(['User']);
    expect(
      emit({
        oneOf: [{ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/NullEnum' }],
        nullable: true,
      }).code,
    ).toBe('t.union([A, NullEnum])');
  });

  it('nests intersections of more than five members', () => {
    const members = ['A', 'B', 'C', 'D', 'E', 'F'].map((name) => ({ $ref: `#/components/schemas/${name}` }));
    expect(emit({ allOf: members }).code).toBe('t.intersection([t.intersection([A, B, C, D]), E, F])');
  });

  it('writes TypeScript types for recursive schemas', () => {
    const imports = newImports();
    const type = typeOf(
      {
        type: 'object',
        properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } },
      },
      { imports, self: 'Node' },
    );
    expect(type.replace(/\s+/g, ' ')).toBe('{ children?: Array<Node> | undefined; }');
    expect(imports.models.size).toBe(0);
  });

  it('marks every codec construction pure, so bundlers drop the codecs an app does not use', () => {
    const imports = newImports();
    const code = codecOf(
      { type: 'object', properties: { a: { type: 'array', items: { type: 'string', enum: ['x', 'y'] } } } },
      { imports },
      'Thing',
    );
    expect(code.match(/\bt\.[a-z]+\(/g)).toEqual(['t.partial(', 't.array(', 't.keyof(']);
    expect(code.match(/\/\*#__PURE__\*\/ t\.[a-z]+\(/g)).toHaveLength(3);
  });
});

describe('codegen documents', () => {
  it('emits a self-recursive schema with t.recursion and an explicit type', () => {
    const files = generate(
      documentWith({ Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' } } } }),
    );
    const source = files.get('src/models/generated/Node.ts') ?? '';
    expect(source).toContain('export type Node =');
    expect(source).toContain('export const Node: t.Type<Node> = /*#__PURE__*/ t.recursion("Node", (Self) =>');
  });

  it('refuses schemas that refer to each other in a cycle', () => {
    const document = documentWith({
      A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
      B: { type: 'object', properties: { a: { $ref: '#/components/schemas/A' } } },
    });
    expect(() => generate(document)).toThrow('cycle');
  });

  it('writes one class per tag and a client member per class', () => {
    const document = documentWith(
      { Pet: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
      {
        '/api/pets/{id}': {
          get: {
            operationId: 'pets_retrieve',
            tags: ['pets'],
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
            responses: {
              '200': {
                content: { 'application/vnd.cvat+json': { schema: { $ref: '#/components/schemas/Pet' } } },
              },
            },
          },
        },
      },
    );
    const files = generate(document);
    expect([...files.keys()].filter((file) => file.startsWith('src/api/')).sort()).toEqual([
      'src/api/generated/ApiClient.ts',
      'src/api/generated/PetsApi.ts',
      'src/api/generated/index.ts',
    ]);
    const api = files.get('src/api/generated/PetsApi.ts') ?? '';
    expect(api).toContain(
      'retrieve<O extends CallOptions = CallOptions>(params: PetsRetrieveParams, options?: O): CallResult<Pet, O>',
    );
    expect(api).toContain('success: { 200: Pet }');
    expect(files.get('src/api/generated/ApiClient.ts')).toContain('readonly petsApi: PetsApi;');
  });
});
