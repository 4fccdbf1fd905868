import { type Observable, defer, map, of, switchMap } from 'rxjs';
import { LabeledData } from '../models';
import type { LabeledDataRequest, PatchedLabeledDataRequest } from '../models';
import type { ClientContext } from './context';
import { toJson } from './json';
import type { JsonValue } from '../transport/types';
import { itemUrl, requestDecoded, requestVoid, resourceRequest } from './resource';
import type { ResourceLocation } from './resource';

export type AnnotationAction = 'create' | 'update' | 'delete';

/** Annotations as they may be sent back: what `getAnnotations()` gave, or a hand-made request. */
export type AnnotationsInput = LabeledData | LabeledDataRequest | PatchedLabeledDataRequest;

/** Annotation CRUD of a task or a job (`/api/{tasks|jobs}/{id}/annotations/`). */
export interface AnnotationOperations {
  /** All annotations (`GET`). */
  getAnnotations(): Observable<LabeledData>;
  /**
   * Replaces all annotations (`PUT`); emits once when done. Ids in `data` are dropped (CVAT
   * refuses them on a PUT): the server gives the objects new ids.
   */
  setAnnotations(data: AnnotationsInput): Observable<void>;
  /**
   * Creates, updates or deletes the given objects (`PATCH ?action=`); emits what the server
   * answered. `create` drops the ids (CVAT refuses them); `update` and `delete` need them, and
   * `delete` needs the objects in full, as `getAnnotations()` gave them.
   */
  updateAnnotations(data: AnnotationsInput, action?: AnnotationAction): Observable<LabeledData>;
  /**
   * Without ids, deletes every annotation (`DELETE`). With ids, deletes the tags, shapes and tracks
   * with those ids: one `GET`, then one `PATCH ?action=delete` (nothing when none match).
   */
  removeAnnotations(ids?: readonly number[]): Observable<void>;
}

type JsonObject = { [key: string]: JsonValue };

const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One tag, shape or track without its id, nor the ids of its elements and tracked shapes. */
function objectWithoutIds(o: JsonValue): JsonValue {
  if (!isObject(o)) return o;
  const { id: _id, ...rest } = o;
  for (const key of ['elements', 'shapes'] as const) {
    const inner = rest[key];
    if (Array.isArray(inner)) rest[key] = inner.map(objectWithoutIds);
  }
  return rest;
}

/**
 * The body of a PUT or of a PATCH `action=create`, ids removed: CVAT refuses an `id` on those
 * objects ("must be absent", `AnnotationSerializer.validate_id` with the `create` action) and
 * assigns new ones. So what `getAnnotations()` returned can be sent back as it is.
 */
export function withoutIds(body: JsonValue): JsonValue {
  if (!isObject(body)) return body;
  const out: JsonObject = { ...body };
  for (const kind of ['tags', 'shapes', 'tracks'] as const) {
    const list = out[kind];
    if (Array.isArray(list)) out[kind] = list.map(objectWithoutIds);
  }
  return out;
}

function hasIdIn(ids: ReadonlySet<number>) {
  return (item: { readonly id?: number | null }): boolean =>
    item.id !== undefined && item.id !== null && ids.has(item.id);
}

export function annotationOperations(
  ctx: ClientContext,
  d: ResourceLocation,
  id: number,
): AnnotationOperations {
  const url = `${itemUrl(d, id)}/annotations/`;
  const get = (): Observable<LabeledData> =>
    requestDecoded(ctx, resourceRequest(d, 'GET', url, 'retrieve_annotations'), LabeledData);
  const patch = (data: AnnotationsInput, action: AnnotationAction): Observable<LabeledData> =>
    defer(() =>
      requestDecoded(
        ctx,
        resourceRequest(d, 'PATCH', url, 'partial_update_annotations', {
          query: { action },
          body: action === 'create' ? withoutIds(toJson(data)) : toJson(data),
        }),
        LabeledData,
      ),
    );
  return {
    getAnnotations: get,
    setAnnotations: (data) =>
      defer(() =>
        requestVoid(
          ctx,
          resourceRequest(d, 'PUT', url, 'update_annotations', { body: withoutIds(toJson(data)) }),
        ),
      ),
    updateAnnotations: (data, action = 'update') => patch(data, action),
    removeAnnotations: (ids) => {
      if (ids === undefined)
        return requestVoid(ctx, resourceRequest(d, 'DELETE', url, 'destroy_annotations'));
      const wanted = new Set(ids);
      return get().pipe(
        switchMap((current) => {
          const matches = hasIdIn(wanted);
          const selected = {
            version: current.version,
            tags: (current.tags ?? []).filter(matches),
            shapes: (current.shapes ?? []).filter(matches),
            tracks: (current.tracks ?? []).filter(matches),
          };
          const count = selected.tags.length + selected.shapes.length + selected.tracks.length;
          return count === 0 ? of(undefined) : patch(selected, 'delete').pipe(map(() => undefined));
        }),
      );
    },
  };
}
