import { generatedHeader } from './header';
import { compareNames, importLines, type SourceFiles } from './model-writer';
import { apiClassName, apiMemberName, docComment } from './naming';
import { HTTP_METHODS, type OpenApiDocument } from './openapi';
import { emitOperation, type EmittedOperation } from './operation-emitter';
import { newImports, type Imports } from './schema-emitter';

/** One class per tag under src/api/generated/, the ApiClient holding one of each, and an index. */
export function writeApis(document: OpenApiDocument, out: SourceFiles): void {
  const header = generatedHeader(document);
  const byTag = new Map<string, { imports: Imports; operations: EmittedOperation[] }>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const tag = operation.tags[0] ?? 'default';
      const group = byTag.get(tag) ?? { imports: newImports(), operations: [] };
      byTag.set(tag, group);
      group.operations.push(emitOperation(path, method, operation, item.parameters ?? [], group.imports));
    }
  }
  const tags = [...byTag.keys()].sort(compareNames);
  for (const tag of tags) {
    const group = byTag.get(tag);
    if (group === undefined) continue;
    out.set(
      `src/api/generated/${apiClassName(tag)}.ts`,
      header + tagModule(tag, group.imports, group.operations),
    );
  }
  out.set('src/api/generated/ApiClient.ts', header + clientModule(tags));
  out.set(
    'src/api/generated/index.ts',
    header +
      [
        ...tags.map((tag) => `export * from './${apiClassName(tag)}';`),
        `export { ApiClient } from './ApiClient';`,
      ].join('\n') +
      '\n',
  );
}

function tagModule(tag: string, imports: Imports, operations: EmittedOperation[]): string {
  const className = apiClassName(tag);
  const seen = new Set<string>();
  for (const operation of operations) {
    if (seen.has(operation.method)) throw new Error(`${className}.${operation.method} is generated twice`);
    seen.add(operation.method);
  }
  return (
    importLines(imports, '../../models/scalars', () => '../../models/generated') +
    `import { BaseApi, invoke, type CallOptions, type CallResult, type OperationSpec } from '../runtime';\n\n` +
    operations.map((operation) => operation.paramsType).join('\n') +
    '\n' +
    operations.map((operation) => operation.spec).join('\n') +
    '\n' +
    docComment([`The \`${tag}\` operations of the CVAT REST API, one method per operationId.`]) +
    `export class ${className} extends BaseApi {\n${operations.map((operation) => operation.member).join('\n')}}\n`
  );
}

function clientModule(tags: readonly string[]): string {
  const members = tags.map((tag) => ({ member: apiMemberName(tag), className: apiClassName(tag) }));
  return (
    `import { Configuration } from '../../transport/configuration';\n` +
    `import { Transport } from '../../transport/transport';\n` +
    members.map(({ className }) => `import { ${className} } from './${className}';`).join('\n') +
    '\n\n' +
    docComment([
      "The low-level client: one member per OpenAPI tag, as in CVAT's Python SDK, all sharing one transport.",
      '`new ApiClient(new Configuration({ host, username, password })).tasksApi.create({ body })`',
    ]) +
    `export class ApiClient {\n` +
    `readonly transport: Transport;\n` +
    members.map(({ member, className }) => `readonly ${member}: ${className};`).join('\n') +
    `\n\nconstructor(configurationOrTransport: Configuration | Transport) {\n` +
    `this.transport = configurationOrTransport instanceof Configuration ? new Transport(configurationOrTransport) : configurationOrTransport;\n` +
    members.map(({ member, className }) => `this.${member} = new ${className}(this.transport);`).join('\n') +
    `\n}\n\n` +
    `get configuration(): Configuration {\nreturn this.transport.configuration;\n}\n}\n`
  );
}
