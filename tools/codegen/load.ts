import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { decodeOrThrow } from '../../src/transport/decode';
import { OpenApiDocument } from './openapi';

/** Reads an OpenAPI document (YAML or JSON) from a file path or an http(s) URL. */
export async function loadDocument(source: string): Promise<OpenApiDocument> {
  const text = /^https?:\/\//i.test(source) ? await fetchText(source) : await readFile(source, 'utf8');
  // YAML is a superset of JSON, so one parser reads both; the schema has no custom tags.
  const raw: unknown = parse(text, { maxAliasCount: -1 });
  return decodeOrThrow(OpenApiDocument, raw);
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, {
    headers: { Accept: 'application/vnd.oai.openapi, application/yaml, */*' },
  });
  if (!response.ok) throw new Error(`GET ${url} failed with ${response.status}`);
  return response.text();
}
