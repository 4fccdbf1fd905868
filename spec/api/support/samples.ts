import { refName, type OpenApiDocument, type Schema } from '../../../tools/codegen/openapi';

/**
 * A minimal value valid against a schema: required properties only, the first enum value, numbers
 * inside their bounds, strings of an allowed length and format. Files become small Blobs.
 */
export function sampleOf(schema: Schema, document: OpenApiDocument, depth = 0): unknown {
  if (depth > 12) throw new Error('schema too deep for a sample');
  if (schema.$ref !== undefined) {
    const target = document.components.schemas[refName(schema.$ref)];
    if (target === undefined) throw new Error(`unknown ${schema.$ref}`);
    return sampleOf(target, document, depth + 1);
  }
  if (schema.allOf !== undefined) {
    return Object.assign({}, ...schema.allOf.map((member) => sampleOf(member, document, depth + 1)));
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives?.[0] !== undefined) return sampleOf(alternatives[0], document, depth + 1);
  if (schema.enum !== undefined) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return sampleString(schema);
    case 'integer':
      return clamp(7, schema);
    case 'number':
      return clamp(0.5, schema);
    case 'boolean':
      return true;
    case 'array': {
      const min = schema.minItems ?? 0;
      return schema.items === undefined || min === 0
        ? []
        : Array.from({ length: min }, () => sampleOf(schema.items ?? {}, document, depth + 1));
    }
    default: {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (required.has(key)) out[key] = sampleOf(property, document, depth + 1);
      }
      return schema.type === 'object' || schema.properties !== undefined ? out : 'anything';
    }
  }
}

function clamp(value: number, schema: Schema): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : -Infinity;
  const max = typeof schema.maximum === 'number' ? schema.maximum : Infinity;
  return Math.min(Math.max(value, min), max);
}

function sampleString(schema: Schema): unknown {
  switch (schema.format) {
    case 'binary':
      return new Blob([new Uint8Array([1, 2, 3])], { type: 'application/octet-stream' });
    case 'uuid':
      return '0b5ff7a4-6f1e-4b6e-9a51-2b3c4d5e6f70';
    case 'email':
      return 'user@example.com';
    case 'uri':
      return 'https://example.com/hook';
    case 'date-time':
      return '2024-01-02T03:04:05Z';
    default:
      break;
  }
  if (schema.pattern === '^\\d+$') return '12';
  const text = 'sample';
  const min = schema.minLength ?? 0;
  const padded = text.length >= min ? text : text.padEnd(min, 'x');
  return schema.maxLength !== undefined ? padded.slice(0, schema.maxLength) : padded;
}
