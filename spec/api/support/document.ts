import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  HTTP_METHODS,
  OpenApiDocument,
  type LowerHttpMethod,
  type Operation,
  type Parameter,
} from '../../../tools/codegen/openapi';
import { decodeOrThrow } from '../../../src/transport/decode';

export const repoRoot = path.resolve(__dirname, '../../..');
export const sharedDir = path.resolve(repoRoot, '../shared/cvat');
export const schemaPath = path.join(sharedDir, 'schema.yml');

/** CVAT's OpenAPI document from ../shared, or undefined (with the reason) when it is absent. */
export function loadSharedDocument(): OpenApiDocument | undefined {
  if (!existsSync(schemaPath)) return undefined;
  return decodeOrThrow(OpenApiDocument, parse(readFileSync(schemaPath, 'utf8'), { maxAliasCount: -1 }));
}

export interface OperationEntry {
  readonly path: string;
  readonly method: LowerHttpMethod;
  readonly operation: Operation;
  readonly parameters: readonly Parameter[];
}

/** Every operation of the document, in document order. */
export function operationsOf(document: OpenApiDocument): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].filter(
        (parameter) => parameter.in !== 'cookie',
      );
      entries.push({ path, method, operation, parameters });
    }
  }
  return entries;
}
