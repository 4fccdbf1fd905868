import { switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { TransferTransport } from '../transfer/http';
import type { TransferEvent } from '../transfer/progress';
import { uploadSession } from '../transfer/upload-session';
import type { UploadSessionOptions, UploadSessionResult } from '../transfer/upload-session';
import { resolveNodeSources } from './sources';
import type { NodeUploadInput } from './sources';

/**
 * `uploadSession` over Node inputs (paths, Buffers, streams): every input is checked first, so a
 * missing file or a duplicate name is a UsageError before any request.
 */
export function uploadFiles(
  transport: TransferTransport,
  inputs: readonly NodeUploadInput[],
  options: Omit<UploadSessionOptions, 'sources'>,
): Observable<TransferEvent<UploadSessionResult>> {
  return resolveNodeSources(inputs).pipe(
    switchMap((sources) => uploadSession(transport, { ...options, sources })),
  );
}
