import { refName, type Schema } from './openapi';

/** Whether a schema refers to the component `name` directly (self-recursion). */
export function refersTo(schema: Schema, name: string): boolean {
  if (schema.$ref !== undefined) return refName(schema.$ref) === name;
  const children: Schema[] = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.items ? [schema.items] : []),
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
    ...(schema.allOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.anyOf ?? []),
  ];
  return children.some((child) => refersTo(child, name));
}
