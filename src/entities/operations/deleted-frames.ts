import { defer, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../../errors';
import { DataMetaRead } from '../../models';
import type { ClientContext } from '../context';
import { requestDecoded } from '../resource';
import { meta } from './frames';
import type { MediaResource } from './frames';

function checkFrameIds(ids: Iterable<number>): number[] {
  const list = [...ids];
  for (const n of list) {
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`frame ids must be integers >= 0, got ${n}`);
  }
  return list;
}

/**
 * Marks frames deleted or restores them. CVAT's data-meta PATCH replaces the whole `deleted_frames`
 * list (of the job's frames, for a job), so the current list is read first and the change applied
 * to it; frames deleted by someone else meanwhile are kept. Frame numbers are the task's, for jobs
 * too. Emits the meta the server answered with.
 */
export function editDeletedFrames(
  ctx: ClientContext,
  kind: MediaResource,
  id: number,
  ids: Iterable<number>,
  change: 'remove' | 'restore',
): Observable<DataMetaRead> {
  return defer(() => {
    const frames = checkFrameIds(ids);
    return meta(ctx, kind, id).pipe(
      switchMap((current) => {
        const deleted = new Set(current.deleted_frames);
        for (const n of frames) {
          if (change === 'remove') deleted.add(n);
          else deleted.delete(n);
        }
        return requestDecoded(
          ctx,
          {
            method: 'PATCH',
            url: `/api/${kind}/${id}/data/meta`,
            body: { deleted_frames: [...deleted].sort((a, b) => a - b) },
            operationId: `${kind}_partial_update_data_meta`,
          },
          DataMetaRead,
        );
      }),
    );
  });
}
