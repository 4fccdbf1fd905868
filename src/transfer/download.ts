import { defer, from, mergeMap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ApiResponse, TransportEvent, TransportRequest } from '../transport/types';
import { checkResponse, header, onConfiguredOrigin } from './http';
import { truncateUtf8 } from './names';
import type { TransferTransport } from './http';
import type { ProgressEvent, TransferEvent } from './progress';

/** A downloaded file held in memory (browsers). */
export interface DownloadedBlob {
  readonly blob: Blob;
  /** The sanitized name from `Content-Disposition`, when the server sent one. */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
}

/**
 * The file name a `Content-Disposition` header proposes (`filename*=UTF-8''…` preferred over
 * `filename="…"`), sanitized with `sanitizeFilename`; undefined when there is none usable.
 */
export function filenameFromContentDisposition(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const extended = /(?:^|;)\s*filename\*\s*=\s*([^;]+)/i.exec(value);
  if (extended) {
    const match = /^([\w!#$%&+^`{}~-]+)'[^']*'(.*)$/.exec(extended[1].trim());
    if (match) {
      try {
        const decoded = decodeURIComponent(match[2].replace(/^"|"$/g, ''));
        const name = sanitizeFilename(decoded);
        if (name) return name;
      } catch {
        // A malformed percent-encoding: fall back to the plain parameter.
      }
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/i.exec(value);
  if (!plain) return undefined;
  const raw = plain[1].trim();
  const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  return sanitizeFilename(unquoted);
}

/**
 * A server-proposed name made safe to join to a folder: its last path segment only (both `/`
 * and `\` separate), control characters and NUL removed, characters Windows forbids replaced,
 * no leading dots, at most 255 UTF-8 bytes; undefined when nothing usable is left (`..`, empty).
 */
export function sanitizeFilename(name: string): string | undefined {
  const last = name.split(/[/\\]/).pop() ?? '';
  const cleaned = last
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '');
  // At most 255 bytes, the longest name common file systems take (a character is up to 4 bytes).
  const fitting = truncateUtf8(cleaned, 255);
  return fitting === '' ? undefined : fitting;
}

/** A server-given download URL (`result_url`) moved onto the configured origin. */
export function resolveDownloadUrl(url: string, host: string): string {
  return onConfiguredOrigin(url, host);
}

/** Download progress from transport events: monotonic, `total` from Content-Length when known. */
export function downloadProgress(): (event: TransportEvent) => ProgressEvent[] {
  let reported = -1;
  return (event) => {
    if (event.type !== 'download_progress' || event.loaded <= reported) return [];
    reported = event.loaded;
    return [
      {
        type: 'progress',
        phase: 'download',
        loaded: event.loaded,
        ...(event.total ? { total: event.total } : {}),
      },
    ];
  };
}

/**
 * Downloads into memory and emits a Blob (the browser way; in Node use `downloadToFile` from
 * `cvat-rx/node`, which streams to disk). Emits download progress, then the result.
 */
export function downloadBlob(
  transport: TransferTransport,
  request: TransportRequest,
): Observable<TransferEvent<DownloadedBlob>> {
  return defer(() => {
    const toProgress = downloadProgress();
    return transport.events({ ...request, responseType: 'arraybuffer' }).pipe(
      mergeMap((event): Observable<TransferEvent<DownloadedBlob>> => {
        if (event.type !== 'response') return from(toProgress(event));
        const response = checkResponse(event.response, request.operationId);
        const blob = toBlob(response);
        const contentType = header(response.headers, 'content-type');
        const result = {
          blob,
          filename: filenameFromContentDisposition(header(response.headers, 'content-disposition')),
          contentType,
        };
        return from([
          ...toProgress({ type: 'download_progress', loaded: blob.size, total: blob.size }),
          { type: 'result' as const, value: result },
        ]);
      }),
    );
  });
}

function toBlob(response: ApiResponse): Blob {
  const type = header(response.headers, 'content-type') ?? '';
  const body = response.body;
  if (body instanceof Blob) return body;
  if (body instanceof ArrayBuffer) return new Blob([body], { type });
  if (body instanceof Uint8Array) {
    const copy = new Uint8Array(body.byteLength);
    copy.set(body);
    return new Blob([copy.buffer], { type });
  }
  if (typeof body === 'string') return new Blob([body], { type });
  return new Blob([], { type });
}
