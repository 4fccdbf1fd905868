import { type Observable, map } from 'rxjs';
import type { ClientContext } from './context';
import type { QueryParams } from '../transport/types';
import type { ListOptions } from './query';
import { listData, patchData, removeData, requireId, retrieveData } from './resource';
import type { ModelDescriptor, PageShape, ResourceDescriptor } from './resource';

/** What every entity is: an immutable snapshot of one server object. */
export interface Snapshot<Model, Id extends string | number = number> {
  readonly id: Id;
  /** The decoded server representation this snapshot was made from, as the generated codec gives it. */
  readonly model: Model;
}

export interface Fetchable<Self> {
  /** A fresh snapshot from the server (`GET`); this one is left unchanged. */
  fetch(): Observable<Self>;
}

export interface Updatable<Self, Patch> {
  /** `PATCH`es the object and emits the new snapshot the server answered with; this one is unchanged. */
  update(patch: Patch): Observable<Self>;
}

export interface Removable {
  /** `DELETE`s the object; emits once (`undefined`) and completes. */
  remove(): Observable<void>;
}

/** Turns decoded data into an entity; throws a DecodeError when the data has no id (use in `map`). */
export type Wrap<Model, Self> = (ctx: ClientContext, model: Model) => Self;

/** fetch/update/remove of one object, shared by every entity. */
export function modelOperations<Model, Id extends string | number, Self>(
  ctx: ClientContext,
  d: ModelDescriptor<Model, Id>,
  id: Id,
  wrap: Wrap<Model, Self>,
): Fetchable<Self> & Updatable<Self, unknown> & Removable {
  return {
    fetch: () => retrieveData(ctx, d, id).pipe(map((model) => wrap(ctx, model))),
    update: (patch: unknown) => patchData(ctx, d, id, patch).pipe(map((model) => wrap(ctx, model))),
    remove: () => removeData(ctx, d, id),
  };
}

/** The id and model of a snapshot; a model without an id is a DecodeError. */
export function snapshotOf<Model, Id extends string | number>(
  d: ModelDescriptor<Model, Id>,
  model: Model,
): Snapshot<Model, Id> {
  return { id: requireId(d, model), model };
}

/**
 * Entities of a collection, lazily paged. With `parent` (a related list such as `task_id`), the
 * client's organization context is left out: the parent already scopes the list, and a parent
 * fetched from another organization would otherwise list nothing (cvat-ai/cvat#8914).
 */
export function listEntities<Model, Page extends PageShape<Model>, Id extends string | number, Self>(
  ctx: ClientContext,
  d: ResourceDescriptor<Model, Page, Id>,
  wrap: Wrap<Model, Self>,
  query: ListOptions,
  parent?: QueryParams,
): Observable<Self> {
  const located = parent ? { ...d, withoutOrganization: true } : d;
  return listData(ctx, located, query, parent).pipe(map((model) => wrap(ctx, model)));
}
