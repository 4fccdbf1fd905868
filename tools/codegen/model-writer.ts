import { generatedHeader } from './header';
import { assertIdentifier, docComment } from './naming';
import type { OpenApiDocument, Schema } from './openapi';
import { codecOf, newImports, PURE, typeOf, type Imports } from './schema-emitter';
import { refersTo } from './refs';

export type SourceFiles = Map<string, string>;

/** One module per component schema under src/models/generated/, plus an index re-exporting them. */
export function writeModels(document: OpenApiDocument, out: SourceFiles): void {
  const header = generatedHeader(document);
  const names = Object.keys(document.components.schemas).sort(compareNames);
  for (const name of names) {
    const schema = document.components.schemas[name];
    if (schema === undefined) continue;
    out.set(`src/models/generated/${name}.ts`, header + modelModule(assertIdentifier(name), schema));
  }
  out.set(
    'src/models/generated/index.ts',
    header + names.map((name) => `export * from './${name}';`).join('\n') + '\n',
  );
}

/** Plain code-unit order, so output does not depend on the machine's locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function modelModule(name: string, schema: Schema): string {
  const imports = newImports();
  const recursive = refersTo(schema, name);
  let body: string;
  if (recursive) {
    const type = typeOf(schema, { imports, self: name });
    const codec = codecOf(schema, { imports, self: name });
    imports.io = true;
    body =
      `export type ${name} = ${type};\n\n` +
      `${docComment([schema.description])}export const ${name}: t.Type<${name}> = ${PURE}t.recursion(${JSON.stringify(name)}, (Self) =>\n${codec});\n`;
  } else {
    const codec = codecOf(schema, { imports }, name);
    imports.io = true;
    body = `${docComment([schema.description])}export const ${name} = ${codec};\nexport type ${name} = t.TypeOf<typeof ${name}>;\n`;
  }
  imports.models.delete(name);
  return `${importLines(imports, '../scalars', (model) => `./${model}`)}\n${body}`;
}

export function importLines(
  imports: Imports,
  scalarsPath: string,
  modelPath: (name: string) => string | undefined,
): string {
  const lines: string[] = [];
  if (imports.io) lines.push(`import * as t from 'io-ts';`);
  const scalars: string[] = [...imports.scalars].sort(compareNames);
  if (imports.binaryType) scalars.push('type BinaryData');
  if (scalars.length > 0) lines.push(`import { ${scalars.join(', ')} } from '${scalarsPath}';`);
  const models = [...imports.models].sort(compareNames);
  const grouped = new Map<string, string[]>();
  for (const model of models) {
    const from = modelPath(model);
    if (from === undefined) continue;
    grouped.set(from, [...(grouped.get(from) ?? []), model]);
  }
  for (const [from, list] of grouped) lines.push(`import { ${list.join(', ')} } from '${from}';`);
  return lines.join('\n') + '\n';
}
