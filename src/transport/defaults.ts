import { bodyKind } from './body';
import { withDefaultHeader } from './headers';
import type { Configuration } from './configuration';
import type { TransportRequest } from './types';

/** CVAT's own JSON media type; the server answers JSON with it (and accepts `application/json`). */
export const CVAT_ACCEPT = 'application/vnd.cvat+json';

/**
 * Initialize step, part 1: `Accept: application/vnd.cvat+json`, the configured extra headers, and
 * `Content-Type: application/json` for JSON bodies. Headers the request already carries win.
 */
export function applyDefaults(configuration: Configuration, request: TransportRequest): TransportRequest {
  let out = withDefaultHeader(request, 'Accept', CVAT_ACCEPT);
  for (const [name, value] of Object.entries(configuration.headers))
    out = withDefaultHeader(out, name, value);
  if (bodyKind(out.body) === 'json') out = withDefaultHeader(out, 'Content-Type', 'application/json');
  return out;
}
