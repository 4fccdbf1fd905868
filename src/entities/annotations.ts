import { type Observable, defer, map, of, switchMap } from 'rxjs';
import { LabeledData } from '../models';
import type { LabeledDataRequest, PatchedLabeledDataRequest } from '../models';
import type { ClientContext } from './context';
import { toJson } from './json';
import { itemUrl, requestDecoded, requestVoid, resourceRequest } from './resource';
import type { ResourceLocation } from './resource';

export type AnnotationAction = 'create' | 'update' | 'delete';

/** Annotations as they may be sent back: what `getAnnotations()` gave, or a hand-made request. */
export type AnnotationsInput = LabeledData | LabeledDataRequest | PatchedLabeledDataRequest;

/** Annotation CRUD of a task or a job (`/api/{tasks|jobs}/{id}/annotations/`). */
export interface AnnotationOperations {
  /** All annotations (`GET`). */
  getAnnotations(): Observable<LabeledData>;
  /** Replaces all annotations (`PUT`); emits once when done. */
  setAnnotations(data: AnnotationsInput): Observable<void>;
  /** Creates, updates or deletes the given objects (`PATCH ?action=`); emits what the server answered. */
  updateAnnotations(data: AnnotationsInput, action?: AnnotationAction): Observable<LabeledData>;
  /**
   * Without ids, deletes every annotation (`DELETE`). With ids, deletes the tags, shapes and tracks
   * with those ids: one `GET`, then one `PATCH ?action=delete` (nothing when none match).
   */
  removeAnnotations(ids?: readonly number[]): Observable<void>;
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
          body: toJson(data),
        }),
        LabeledData,
      ),
    );
  return {
    getAnnotations: get,
    setAnnotations: (data) =>
      defer(() =>
        requestVoid(ctx, resourceRequest(d, 'PUT', url, 'update_annotations', { body: toJson(data) })),
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
