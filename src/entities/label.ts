import type { Observable } from 'rxjs';
import type { Label as LabelModel, PatchedLabelRequest } from '../models';
import type { QueryParams } from '../transport/types';
import { listEntities, modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { labels } from './descriptors';
import type { LabelListQuery } from './query';

/** A label snapshot (CVAT's `Label` schema) of a task or a project. */
export interface Label
  extends
    Readonly<Omit<LabelModel, 'id'>>,
    Snapshot<LabelModel>,
    Fetchable<Label>,
    Updatable<Label, PatchedLabelRequest>,
    Removable {}

export function makeLabel(ctx: ClientContext, model: LabelModel): Label {
  const { id } = snapshotOf(labels, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({ ...fields, id, model, ...modelOperations(ctx, labels, id, makeLabel) });
}

export function listLabels(
  ctx: ClientContext,
  query: LabelListQuery,
  parent?: QueryParams,
): Observable<Label> {
  return listEntities(ctx, labels, makeLabel, query, parent);
}
