/** An HTTP error carrying the CVAT-shaped body the emulator answers with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(describe(body) ?? `HTTP ${status}`);
  }
}

/** A readable message from `{detail}`, `['msg']` or `{field: ['msg']}` bodies. */
function describe(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (Array.isArray(body)) return body.map(String).join(' ');
  if (typeof body !== 'object' || body === null) return undefined;
  const entries = Object.entries(body);
  if ('detail' in body) return String((body as { detail: unknown }).detail);
  return (
    entries.map(([k, v]) => `${k}: ${Array.isArray(v) ? v.map(String).join(' ') : String(v)}`).join('; ') ||
    undefined
  );
}

export const badRequest = (fields: Record<string, string[] | string> | string): HttpError =>
  typeof fields === 'string'
    ? new HttpError(400, [fields])
    : new HttpError(
        400,
        Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
      );
export const detail = (status: number, message: string, headers: Record<string, string> = {}): HttpError =>
  new HttpError(status, { detail: message }, headers);
export const notFound = (): HttpError => detail(404, 'Not found.');
export const forbidden = (message = 'You do not have permission to perform this action.'): HttpError =>
  detail(403, message);
export const notImplemented = (what: string): HttpError =>
  detail(501, `The CVAT emulator does not implement ${what}.`);
