import { EMPTY, defer, from, mergeMap, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { ApiResponse, QueryParams, TransportEvent } from '../transport/types';
import { checkResponse } from './http';
import type { TransferTransport } from './http';
import type { TransferEvent } from './progress';
import type { UploadSource } from './source';

export type FormFieldValue = string | number | boolean;

export interface BulkUploadOptions {
  readonly url: string;
  /** Seekable sources (with `blob()`), sent as `client_files[0]`, `client_files[1]`, … */
  readonly sources: readonly UploadSource[];
  /** Plain form fields sent before the files (CVAT's SDK sends `image_quality`). */
  readonly fields?: Readonly<Record<string, FormFieldValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: QueryParams;
}

/**
 * Sends several small files in one `Upload-Multiple` multipart request. Progress counts file
 * bytes (the multipart overhead is spread over them), monotonic, ending at the group's size.
 */
export function bulkUpload(
  transport: TransferTransport,
  options: BulkUploadOptions,
): Observable<TransferEvent<ApiResponse>> {
  return defer(() => {
    const { sources } = options;
    if (sources.length === 0) throw new UsageError('A bulk request needs at least one file');
    const size = sources.reduce((sum, source) => sum + source.size, 0);
    let reported = -1;
    const progress = (loaded: number): TransferEvent<ApiResponse>[] => {
      if (loaded <= reported) return [];
      reported = loaded;
      return [{ type: 'progress', phase: 'upload', loaded, total: size }];
    };

    return from(Promise.all(sources.map((source) => blobOf(source)))).pipe(
      switchMap((blobs) => {
        const form = new FormData();
        for (const [key, value] of Object.entries(options.fields ?? {})) form.append(key, String(value));
        blobs.forEach((blob, i) => form.append(`client_files[${i}]`, blob, sources[i].name));
        return transport.events({
          method: 'POST',
          url: options.url,
          ...(options.query ? { query: options.query } : {}),
          headers: { ...options.headers, 'Upload-Multiple': 'true' },
          body: form,
          operationId: 'upload_multiple',
        });
      }),
      mergeMap((event: TransportEvent): Observable<TransferEvent<ApiResponse>> => {
        if (event.type === 'upload_progress') {
          const sent = event.total ? Math.floor((event.loaded / event.total) * size) : 0;
          return from(progress(Math.min(size, sent)));
        }
        if (event.type !== 'response') return EMPTY;
        const response = checkResponse(event.response, 'upload_multiple');
        return from([...progress(size), { type: 'result' as const, value: response }]);
      }),
    );
  });
}

function blobOf(source: UploadSource): Promise<Blob> {
  if (source.blob === undefined) {
    return Promise.reject(
      new UsageError(`"${source.name}" cannot go in a multipart request (a one-shot stream)`),
    );
  }
  return source.blob();
}
