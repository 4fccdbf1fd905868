import { writeApis } from './api-writer';
import { writeModels, type SourceFiles } from './model-writer';
import type { OpenApiDocument } from './openapi';
import { refersTo } from './refs';

/** The generated sources (unformatted) by repository-relative path. */
export function generate(document: OpenApiDocument): SourceFiles {
  assertNoMutualRecursion(document);
  const files: SourceFiles = new Map();
  writeModels(document, files);
  writeApis(document, files);
  return files;
}

/**
 * One module per schema cannot express schemas that refer to each other in a cycle (the modules
 * would read each other's codecs before they exist); self-recursion is fine (`t.recursion`).
 */
function assertNoMutualRecursion(document: OpenApiDocument): void {
  const schemas = document.components.schemas;
  const names = Object.keys(schemas);
  const edges = new Map(
    names.map((name) => [
      name,
      names.filter((other) => other !== name && refersTo(schemas[name] ?? {}, other)),
    ]),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new Error(`schemas refer to each other in a cycle: ${[...trail, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const next of edges.get(name) ?? []) visit(next, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of names) visit(name, []);
}
