import { docComment, propertyKey } from './naming';
import { refName, type Schema } from './openapi';

/** Hand-written scalar codecs in src/models/scalars.ts that generated code may use. */
export type ScalarName = 'Integer' | 'Binary' | 'NoContent';

/** What an emitted expression needs imported; filled as expressions are emitted. */
export interface Imports {
  /** Component schemas (codec and type of the same name). */
  readonly models: Set<string>;
  readonly scalars: Set<ScalarName>;
  /** Whether `t` (io-ts) is used. */
  io: boolean;
  /** Whether the `BinaryData` type is used. */
  binaryType: boolean;
}

export const newImports = (): Imports => ({
  models: new Set(),
  scalars: new Set(),
  io: false,
  binaryType: false,
});

export interface EmitOptions {
  readonly imports: Imports;
  /** Inside `t.recursion`, references to this schema become `Self`. */
  readonly self?: string;
}

/**
 * Marks a codec construction as free of side effects. A bundle of many models (the package's
 * dist chunks) keeps every top-level call it cannot prove pure; with the mark, bundlers drop the
 * codecs an application never uses.
 */
export const PURE = '/*#__PURE__*/ ';

const isBinary = (schema: Schema): boolean => schema.type === 'string' && schema.format === 'binary';

/**
 * OpenAPI schema → io-ts codec source. Objects are not exact (unknown fields pass, for newer
 * servers); `name` labels the codec so decode errors read `expected TaskRead`.
 */
export function codecOf(schema: Schema, options: EmitOptions, name?: string): string {
  const { imports } = options;
  const nullable = schema.nullable === true;
  const base = baseCodec(schema, options, nullable ? undefined : name);
  if (!nullable || acceptsNull(schema)) return base;
  imports.io = true;
  return `${PURE}t.union([${base}, t.null]${nameArg(name)})`;
}

function nameArg(name: string | undefined): string {
  return name === undefined ? '' : `, ${JSON.stringify(name)}`;
}

function acceptsNull(schema: Schema): boolean {
  if (schema.enum?.includes(null)) return true;
  const members = schema.oneOf ?? schema.anyOf ?? [];
  return members.some((member) => member.$ref !== undefined && member.$ref.endsWith('/NullEnum'));
}

function baseCodec(schema: Schema, options: EmitOptions, name: string | undefined): string {
  const { imports } = options;
  if (schema.$ref !== undefined) {
    const target = refName(schema.$ref);
    if (target === options.self) return 'Self';
    imports.models.add(target);
    return target;
  }
  if (schema.allOf !== undefined) {
    const members = schema.allOf.map((member) => codecOf(member, options));
    if (schema.properties !== undefined) members.push(objectCodec(schema, options, undefined));
    return intersection(members, imports, name);
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives !== undefined) {
    return union(
      alternatives.map((member) => codecOf(member, options)),
      imports,
      name,
    );
  }
  if (schema.enum !== undefined) return enumCodec(schema.enum, imports, name);
  switch (schema.type) {
    case 'string':
      if (isBinary(schema)) {
        imports.scalars.add('Binary');
        return 'Binary';
      }
      imports.io = true;
      return 't.string';
    case 'integer':
      imports.scalars.add('Integer');
      return 'Integer';
    case 'number':
      imports.io = true;
      return 't.number';
    case 'boolean':
      imports.io = true;
      return 't.boolean';
    case 'array':
      imports.io = true;
      return `${PURE}t.array(${schema.items ? codecOf(schema.items, options) : 't.unknown'}${nameArg(name)})`;
    case 'object':
    case undefined:
      if (
        schema.properties !== undefined ||
        schema.additionalProperties !== undefined ||
        schema.type === 'object'
      ) {
        return objectCodec(schema, options, name);
      }
      imports.io = true;
      return 't.unknown';
    default:
      throw new Error(`unsupported schema type ${schema.type}`);
  }
}

function objectCodec(schema: Schema, options: EmitOptions, name: string | undefined): string {
  const { imports } = options;
  imports.io = true;
  const entries = Object.entries(schema.properties ?? {});
  const additional = schema.additionalProperties;
  const map =
    additional === undefined || additional === false
      ? undefined
      : additional === true || Object.keys(additional).length === 0
        ? 't.UnknownRecord'
        : `${PURE}t.record(t.string, ${codecOf(additional, options)})`;
  if (entries.length === 0) return map === undefined ? `t.UnknownRecord` : map;

  const required = new Set(schema.required ?? []);
  const fields = (list: [string, Schema][]): string =>
    list
      .map(
        ([key, property]) =>
          `${docComment([property.description])}${propertyKey(key)}: ${codecOf(property, options)},`,
      )
      .join('\n');
  const requiredFields = entries.filter(([key]) => required.has(key));
  const optionalFields = entries.filter(([key]) => !required.has(key));
  const parts: string[] = [];
  if (requiredFields.length > 0) parts.push(`${PURE}t.type({\n${fields(requiredFields)}\n}${nameArg(name)})`);
  if (optionalFields.length > 0)
    parts.push(
      `${PURE}t.partial({\n${fields(optionalFields)}\n}${nameArg(name === undefined ? undefined : `Partial<${name}>`)})`,
    );
  if (map !== undefined) parts.push(map);
  return parts.length === 1 ? (parts[0] ?? '') : intersection(parts, imports, name);
}

/** io-ts intersections take two to five members; longer lists nest. */
function intersection(members: string[], imports: Imports, name: string | undefined): string {
  if (members.length === 1) return members[0] ?? '';
  imports.io = true;
  if (members.length <= 5) return `${PURE}t.intersection([${members.join(', ')}]${nameArg(name)})`;
  return intersection(
    [intersection(members.slice(0, 4), imports, undefined), ...members.slice(4)],
    imports,
    name,
  );
}

function union(members: string[], imports: Imports, name: string | undefined): string {
  const unique = [...new Set(members)];
  if (unique.length === 1) return unique[0] ?? '';
  imports.io = true;
  return `${PURE}t.union([${unique.join(', ')}]${nameArg(name)})`;
}

function enumCodec(values: readonly unknown[], imports: Imports, name: string | undefined): string {
  imports.io = true;
  const strings = values.filter((value): value is string => typeof value === 'string');
  const others = values.filter((value) => typeof value !== 'string');
  const members: string[] = [];
  if (strings.length > 1) {
    members.push(
      `${PURE}t.keyof({ ${strings.map((value) => `${propertyKey(value)}: null`).join(', ')} }${others.length === 0 ? nameArg(name) : ''})`,
    );
  } else if (strings.length === 1) {
    members.push(
      `${PURE}t.literal(${JSON.stringify(strings[0])}${others.length === 0 ? nameArg(name) : ''})`,
    );
  }
  for (const value of others) {
    if (value === null) members.push('t.null');
    else if (typeof value === 'number' || typeof value === 'boolean')
      members.push(`${PURE}t.literal(${JSON.stringify(value)})`);
    else throw new Error(`unsupported enum value ${JSON.stringify(value)}`);
  }
  return members.length === 1 ? (members[0] ?? '') : union(members, imports, name);
}

/** OpenAPI schema → TypeScript type source (for recursive schemas and for parameters). */
export function typeOf(schema: Schema, options: EmitOptions): string {
  const base = baseType(schema, options);
  return schema.nullable === true && !acceptsNull(schema) ? `${wrap(base)} | null` : base;
}

function wrap(type: string): string {
  return /[|&]/.test(type) ? `(${type})` : type;
}

function baseType(schema: Schema, options: EmitOptions): string {
  const { imports } = options;
  if (schema.$ref !== undefined) {
    const target = refName(schema.$ref);
    if (target !== options.self) imports.models.add(target);
    return target;
  }
  if (schema.allOf !== undefined) {
    const members = schema.allOf.map((member) => wrap(typeOf(member, options)));
    if (schema.properties !== undefined) members.push(objectType(schema, options));
    return members.join(' & ');
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives !== undefined)
    return [...new Set(alternatives.map((member) => typeOf(member, options)))].join(' | ');
  if (schema.enum !== undefined) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  switch (schema.type) {
    case 'string':
      if (isBinary(schema)) {
        imports.binaryType = true;
        return 'BinaryData';
      }
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `Array<${schema.items ? typeOf(schema.items, options) : 'unknown'}>`;
    case 'object':
    case undefined:
      if (
        schema.properties !== undefined ||
        schema.additionalProperties !== undefined ||
        schema.type === 'object'
      ) {
        return objectType(schema, options);
      }
      return 'unknown';
    default:
      throw new Error(`unsupported schema type ${schema.type}`);
  }
}

function objectType(schema: Schema, options: EmitOptions): string {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {});
  const additional = schema.additionalProperties;
  const parts: string[] = [];
  const fields = (list: [string, Schema][], optional: boolean): string =>
    `{\n${list
      .map(
        ([key, property]) =>
          `${docComment([property.description])}${propertyKey(key)}${optional ? '?' : ''}: ${typeOf(property, options)}${optional ? ' | undefined' : ''};`,
      )
      .join('\n')}\n}`;
  const requiredFields = entries.filter(([key]) => required.has(key));
  const optionalFields = entries.filter(([key]) => !required.has(key));
  if (requiredFields.length > 0) parts.push(fields(requiredFields, false));
  if (optionalFields.length > 0) parts.push(fields(optionalFields, true));
  if (additional !== undefined && additional !== false) {
    const value =
      additional === true || Object.keys(additional).length === 0 ? 'unknown' : typeOf(additional, options);
    parts.push(`{ [key: string]: ${value} }`);
  }
  if (parts.length === 0) return '{ [key: string]: unknown }';
  return parts.join(' & ');
}
