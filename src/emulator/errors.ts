/** An HTTP error carrying the CVAT-shaped body the emulator answers with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body && 'detail' in body ? String((body as { detail: unknown }).detail) : `HTTP ${status}`);
  }
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
export const unauthorized = (message = 'Authentication credentials were not provided.'): HttpError =>
  detail(401, message, { 'WWW-Authenticate': 'Basic realm="api"' });
export const notImplemented = (what: string): HttpError =>
  detail(501, `The CVAT emulator does not implement ${what}.`);
