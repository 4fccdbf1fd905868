import { catchError, concat, defer, filter, finalize, map, switchMap, tap, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { DecodeError, UsageError } from '../../errors';
import { ProjectWriteRequest } from '../../models';
import { isProgressEvent } from '../../transfer/progress';
import type { TransferEvent } from '../../transfer/progress';
import { decodeOrThrow } from '../../transport/decode';
import { projects } from '../descriptors';
import { createData, removeData, retrieveData } from '../resource';
import { makeProject } from '../project';
import type { Project } from '../project';
import { ProjectCreationError } from './errors';
import { importDatasetFrom, resolveSingleSource } from './imports';
import type { ImportAnnotationsOptions } from './imports';
import { observeAs } from './observe';
import type { Observed } from './observe';
import type { OperationsContext } from '../context';
import type { UploadInput } from './platform';

export interface CreateFromDatasetParams {
  /** The dataset file (a path in Node, a File or bytes anywhere). */
  readonly datasetPath: UploadInput;
  /** Default `CVAT 1.1`, as cvat-sdk's `create_from_dataset`. */
  readonly datasetFormat?: string;
}

export interface CreateFromDatasetOptions extends ImportAnnotationsOptions {
  /** Remove the project when the import fails (default true). */
  readonly cleanupOnError?: boolean;
  /**
   * Remove the project, best effort, when the caller unsubscribes before the import ended
   * (default false: unsubscribing sends nothing more). The CLI turns it on for Ctrl-C.
   */
  readonly cleanupOnCancel?: boolean;
}

/** A project spec checked against CVAT's schema (UsageError before anything is sent). */
export function checkProjectSpec(spec: unknown): ProjectWriteRequest {
  let decoded: ProjectWriteRequest;
  try {
    decoded = decodeOrThrow(ProjectWriteRequest, spec);
  } catch (error) {
    const issues = error instanceof DecodeError ? error.issues.join('; ') : String(error);
    throw new UsageError(`Invalid project spec: ${issues}`, { cause: error });
  }
  if (decoded.name.trim() === '') throw new UsageError('Invalid project spec: the name is empty');
  return decoded;
}

/**
 * Creates a project and imports a dataset into it, as cvat-sdk's `create_from_dataset`: the spec
 * and the file are checked first (UsageError, nothing created), then `POST /api/projects`, the
 * import (TUS upload and the request it starts, followed to its end) and the fresh Project. When
 * the import fails, the project is removed (unless `cleanupOnError: false`) and a
 * ProjectCreationError says so, with the original error as its cause.
 */
export function createProjectFromDataset<O extends CreateFromDatasetOptions | undefined = undefined>(
  ctx: OperationsContext,
  spec: ProjectWriteRequest,
  params: CreateFromDatasetParams,
  options?: O,
): Observable<Observed<Project, O>> {
  const events$ = defer(() => {
    const checked = checkProjectSpec(spec);
    const format = params.datasetFormat ?? 'CVAT 1.1';
    if (typeof format !== 'string' || format.trim() === '')
      throw new UsageError('An import needs a format name');
    return resolveSingleSource(ctx, params.datasetPath).pipe(
      switchMap((source) =>
        createData(ctx, projects, checked).pipe(
          switchMap((model): Observable<TransferEvent<Project>> => {
            const projectId = model.id;
            if (projectId === undefined)
              return throwError(() => new UsageError('The server created a project without an id'));
            let settled = false;
            const steps$ = concat(
              importDatasetFrom(ctx, projectId, source, format, options).pipe(filter(isProgressEvent)),
              retrieveData(ctx, projects, projectId).pipe(
                map((fresh): TransferEvent<Project> => ({ type: 'result', value: makeProject(ctx, fresh) })),
              ),
            );
            return steps$.pipe(
              tap({ complete: () => (settled = true), error: () => (settled = true) }),
              catchError((error: unknown) =>
                failCreation(ctx, projectId, error, options?.cleanupOnError ?? true),
              ),
              finalize(() => {
                // Unsubscribed mid-way: nobody will see an error, so the removal is best effort.
                if (!settled && options?.cleanupOnCancel === true)
                  removeData(ctx, projects, projectId).subscribe({ error: () => undefined });
              }),
            );
          }),
        ),
      ),
    );
  });
  return observeAs(events$, options);
}

function failCreation(
  ctx: OperationsContext,
  projectId: number,
  cause: unknown,
  cleanup: boolean,
): Observable<never> {
  if (!cleanup) return throwError(() => new ProjectCreationError({ projectId, removed: false, cause }));
  return removeData(ctx, projects, projectId).pipe(
    catchError((cleanupError: unknown) =>
      throwError(() => new ProjectCreationError({ projectId, removed: false, cause, cleanupError })),
    ),
    switchMap(() => throwError(() => new ProjectCreationError({ projectId, removed: true, cause }))),
  );
}
