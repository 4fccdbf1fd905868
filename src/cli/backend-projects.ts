import { concat, defer, filter, of, switchMap, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { importDataset } from '../entities/operations';
import { ProjectWriteRequest } from '../models';
import { isProgressEvent } from '../transfer/progress';
import type { CreateProjectArgs, Created, ImportDatasetArgs, TransferEvent } from './backend';
import { checkSpec } from './backend-common';

const EVENTS = { observe: 'events' } as const;

/** `project create`: the project, then the optional dataset imported into it. */
export function createProject(
  client: CvatClient,
  args: CreateProjectArgs,
): Observable<TransferEvent<Created>> {
  return defer(() =>
    client.projects.create(
      checkSpec(
        ProjectWriteRequest,
        {
          name: args.name,
          ...(args.labels === undefined ? {} : { labels: args.labels }),
          ...(args.bugTracker === undefined ? {} : { bug_tracker: args.bugTracker }),
        },
        '--labels and project options',
      ),
    ),
  ).pipe(
    switchMap((project): Observable<TransferEvent<Created>> => {
      const created = of<TransferEvent<Created>>({ type: 'result', value: { id: project.id } });
      if (args.dataset === undefined) return created;
      const imported$ = project.importDataset(args.dataset.format, args.dataset.path, EVENTS);
      // The import's progress, then the id once it is done (its own result is void).
      return concat(imported$.pipe(filter(isProgressEvent)), created);
    }),
  );
}

/** `project import-dataset`: a dataset file uploaded by TUS and imported by the server. */
export function importProjectDataset(
  client: CvatClient,
  args: ImportDatasetArgs,
): Observable<TransferEvent<void>> {
  return importDataset(client.context, args.id, args.format, args.filename, EVENTS);
}
