import { defer, map, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { importDataset } from '../entities/operations';
import { ProjectWriteRequest } from '../models';
import type { CreateProjectArgs, Created, ImportDatasetArgs, TransferEvent } from './backend';
import { checkSpec } from './backend-common';

const EVENTS = { observe: 'events' } as const;

/**
 * `project create`: the project, then the optional dataset imported into it. With a dataset, a
 * failed import removes the half-made project (ProjectCreationError says so), and so does Ctrl-C.
 */
export function createProject(
  client: CvatClient,
  args: CreateProjectArgs,
): Observable<TransferEvent<Created>> {
  return defer(() => {
    const spec = checkSpec(
      ProjectWriteRequest,
      {
        name: args.name,
        ...(args.labels === undefined ? {} : { labels: args.labels }),
        ...(args.bugTracker === undefined ? {} : { bug_tracker: args.bugTracker }),
      },
      '--labels and project options',
    );
    if (args.dataset === undefined) {
      return client.projects
        .create(spec)
        .pipe(map((project): TransferEvent<Created> => ({ type: 'result', value: { id: project.id } })));
    }
    return client.projects
      .createFromDataset(
        spec,
        { datasetPath: args.dataset.path, datasetFormat: args.dataset.format },
        { ...EVENTS, cleanupOnCancel: true },
      )
      .pipe(
        map((event): TransferEvent<Created> =>
          event.type === 'result' ? { type: 'result', value: { id: event.value.id } } : event,
        ),
      );
  });
}

/** `project import-dataset`: a dataset file uploaded by TUS and imported by the server. */
export function importProjectDataset(
  client: CvatClient,
  args: ImportDatasetArgs,
): Observable<TransferEvent<void>> {
  return importDataset(client.context, args.id, args.format, args.filename, EVENTS);
}
