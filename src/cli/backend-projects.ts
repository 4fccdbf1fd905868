import { defer, map, type Observable } from 'rxjs';
import type { CvatClient } from '../client';
import { ProjectWriteRequest } from '../models';
import type { CreateProjectArgs, Created, ImportDatasetArgs, TransferEvent } from './backend';
import { checkSpec } from './backend-common';
import { importFile } from './backend-tasks';
import { result, then } from './backend-transfers';

/** `project create`: the project, then the optional dataset imported into it. */
export function createProject(
  client: CvatClient,
  args: CreateProjectArgs,
): Observable<TransferEvent<Created>> {
  const created$ = defer(() =>
    client.projects.create(
      checkSpec(
        ProjectWriteRequest,
        {
          name: args.name,
          ...(args.labels === undefined ? {} : { labels: args.labels }),
          ...(args.bugTracker === undefined ? {} : { bug_tracker: args.bugTracker }),
        },
        'project spec',
      ),
    ),
  ).pipe(map((project): TransferEvent<number> => ({ type: 'result', value: project.id })));
  return then(created$, (id) => {
    const dataset = args.dataset;
    if (dataset === undefined) return result<Created>({ id });
    const imported$ = importFile(client, `/api/projects/${id}/dataset/`, dataset, args);
    return then(imported$, () => result<Created>({ id }));
  });
}

/** `project import-dataset`: a dataset file uploaded by TUS and imported by the server. */
export function importProjectDataset(
  client: CvatClient,
  args: ImportDatasetArgs,
): Observable<TransferEvent<void>> {
  const imported$ = importFile(
    client,
    `/api/projects/${args.id}/dataset/`,
    { path: args.filename, format: args.format },
    args,
  );
  return then(imported$, () => result<void>(undefined));
}
