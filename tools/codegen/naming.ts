/** Names in generated code, derived the way CVAT's Python SDK derives them, in camelCase. */

function words(text: string): string[] {
  return text.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
}

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** `page_size` → `pageSize`, `X-Organization` → `xOrganization`. */
export function camelCase(text: string): string {
  const [first = '', ...rest] = words(text);
  return first.charAt(0).toLowerCase() + first.slice(1) + rest.map(capitalize).join('');
}

export function pascalCase(text: string): string {
  return words(text).map(capitalize).join('');
}

/** `tasks_retrieve_status` of tag `tasks` → `retrieveStatus`. */
export function methodName(operationId: string, tag: string): string {
  const prefix = `${tag}_`;
  if (!operationId.startsWith(prefix))
    throw new Error(`operationId ${operationId} does not start with ${prefix}`);
  return camelCase(operationId.slice(prefix.length));
}

/** `cloudstorages` → `CloudstoragesApi`, as the Python SDK's `CloudstoragesApi`. */
export const apiClassName = (tag: string): string => `${pascalCase(tag)}Api`;

/** `cloudstorages` → `cloudstoragesApi`, as the Python SDK's `cloudstorages_api`. */
export const apiMemberName = (tag: string): string => `${camelCase(tag)}Api`;

/** `tasks_retrieve_status` → `TasksRetrieveStatusParams`. */
export const paramsTypeName = (operationId: string): string => `${pascalCase(operationId)}Params`;

/** `tasks_retrieve_status` → `tasksRetrieveStatus` (the module-level operation description). */
export const specConstName = (operationId: string): string => camelCase(operationId);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** An object key as source text: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`${name} is not a valid identifier`);
  return name;
}

/** A TSDoc block from free text (or nothing). */
export function docComment(lines: readonly (string | undefined)[]): string {
  const text = lines
    .filter((line): line is string => line !== undefined && line.trim().length > 0)
    .join('\n\n')
    .replace(/\*\//g, '*\\/')
    .trim();
  if (!text) return '';
  return `/**\n${text
    .split('\n')
    .map((line) => ` *${line.trimEnd() ? ` ${line.trimEnd()}` : ''}`)
    .join('\n')}\n */\n`;
}
