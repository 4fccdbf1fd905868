import type { Observable } from 'rxjs';
import { defer } from 'rxjs';
import { UsageError } from '../errors';
import type { ClientContext } from '../entities/context';
import { createData, patchData, removeData, retrieveData } from '../entities/resource';
import type { ModelDescriptor } from '../entities/resource';
import { AnnotationGuideRead } from '../models';

/** Whose guide: a task's or a project's. */
export type GuideOwner = { readonly taskId: number } | { readonly projectId: number };

/** Annotation guides: markdown shown to annotators of a task or project (`/api/guides`). */
export interface GuidesRepository {
  /** Creates the guide of a task or project (one each); `guide_id` of the task or project names it. */
  create(owner: GuideOwner, markdown: string): Observable<AnnotationGuideRead>;
  retrieve(id: number): Observable<AnnotationGuideRead>;
  /** Replaces the markdown. */
  update(id: number, markdown: string): Observable<AnnotationGuideRead>;
  remove(id: number): Observable<void>;
}

const guides: ModelDescriptor<AnnotationGuideRead> = {
  tag: 'guides',
  path: '/api/guides',
  read: AnnotationGuideRead,
  idOf: (g) => g.id,
};

export function makeGuidesRepository(ctx: ClientContext): GuidesRepository {
  return {
    create: (owner, markdown) =>
      defer(() => {
        if (typeof markdown !== 'string') throw new UsageError('A guide needs its markdown text');
        const body =
          'taskId' in owner
            ? { task_id: owner.taskId, markdown }
            : 'projectId' in owner
              ? { project_id: owner.projectId, markdown }
              : undefined;
        if (body === undefined) throw new UsageError('Give { taskId } or { projectId }');
        return createData(ctx, guides, body);
      }),
    retrieve: (id) => retrieveData(ctx, guides, id),
    update: (id, markdown) => patchData(ctx, guides, id, { markdown }),
    remove: (id) => removeData(ctx, guides, id),
  };
}
