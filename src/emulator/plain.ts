import { HttpError } from './errors';

/** Django's own HttpResponse classes (HttpResponseBadRequest, …Gone, …NotFound) answer text/html. */
export const PLAIN_CONTENT_TYPE = 'text/html; charset=utf-8';

/** An error answered as Django's HttpResponse* does: the text as is, not JSON. */
export function plainText(status: number, text: string): HttpError {
  return new HttpError(status, text, { 'Content-Type': PLAIN_CONTENT_TYPE });
}

/** True for errors made by `plainText`: their body is sent as is. */
export function isPlain(e: HttpError): e is HttpError & { body: string } {
  return typeof e.body === 'string' && e.headers['Content-Type'] === PLAIN_CONTENT_TYPE;
}

/** An error answered with no body at all (the TUS chunk endpoints' 404, 409 and 413). */
export class EmptyError extends HttpError {
  constructor(status: number, headers: Record<string, string> = {}) {
    super(status, '', headers);
  }
}
