import type { Observable } from 'rxjs';
import type { PatchedProjectWriteRequest, ProjectRead } from '../models';
import { listEntities, modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { projects, tasks } from './descriptors';
import { type Label, listLabels } from './label';
import type { LabelListQuery, TaskListQuery } from './query';
import { type Task, makeTask } from './task';
import { projectTransfers } from './operations/bindings';
import type { ProjectTransfers } from './operations/bindings';

/** A project snapshot: `ProjectRead` fields as readonly properties, except `tasks` and `labels` (lists here). */
export interface Project
  extends
    Readonly<Omit<ProjectRead, 'id' | 'tasks' | 'labels'>>,
    Snapshot<ProjectRead>,
    Fetchable<Project>,
    Updatable<Project, PatchedProjectWriteRequest>,
    Removable,
    ProjectTransfers {
  /** The project's tasks (`GET /api/tasks?project_id=`). */
  tasks(query?: TaskListQuery): Observable<Task>;
  /** The project's labels (`GET /api/labels?project_id=`). */
  labels(query?: LabelListQuery): Observable<Label>;
}

export function makeProject(ctx: ClientContext, model: ProjectRead): Project {
  const { id } = snapshotOf(projects, model);
  const { id: _id, tasks: _tasks, labels: _labels, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, projects, id, makeProject),
    ...projectTransfers(ctx, id),
    tasks: (query: TaskListQuery = {}) => listEntities(ctx, tasks, makeTask, query, { project_id: id }),
    labels: (query: LabelListQuery = {}) => listLabels(ctx, query, { project_id: id }),
  });
}
