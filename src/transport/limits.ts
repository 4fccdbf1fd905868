import { ResponseTooLargeError } from '../errors';
import type { Configuration } from './configuration';
import type { HttpMethod, TransportRequest } from './types';

/**
 * How many body bytes of a response may be buffered in memory. Streamed 2xx bodies
 * (`responseType: 'stream'`) are the caller's to read and are not counted here; their error
 * bodies are, as JSON. `ok` is unknown in browsers until the body is in, so they pass `undefined`
 * and get the limit of the requested type.
 */
export function responseLimit(
  configuration: Pick<Configuration, 'maxResponseBytes' | 'maxBinaryResponseBytes'>,
  request: Pick<TransportRequest, 'responseType' | 'maxResponseBytes'>,
  ok: boolean | undefined,
): number {
  if (request.maxResponseBytes !== undefined) return request.maxResponseBytes;
  const type = request.responseType ?? 'json';
  const binary = type === 'arraybuffer' || type === 'blob' || (type === 'stream' && ok !== false);
  return binary ? configuration.maxBinaryResponseBytes : configuration.maxResponseBytes;
}

/** Counts body bytes against a limit; `add` returns the error once the limit is passed. */
export class ResponseBudget {
  private received = 0;

  constructor(
    private readonly limit: number,
    private readonly method: HttpMethod,
    private readonly url: string,
  ) {}

  /** An announced `Content-Length` over the limit fails before a byte is read. */
  announce(length: number | undefined): ResponseTooLargeError | undefined {
    return length !== undefined && length > this.limit ? this.error(length) : undefined;
  }

  add(bytes: number): ResponseTooLargeError | undefined {
    this.received += bytes;
    return this.received > this.limit ? this.error(this.received) : undefined;
  }

  private error(receivedBytes: number): ResponseTooLargeError {
    return new ResponseTooLargeError({
      method: this.method,
      url: this.url,
      limitBytes: this.limit,
      receivedBytes,
    });
  }
}
