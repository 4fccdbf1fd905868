import { getJob, getTask } from '../access';
import { deleteAnnotations, getAnnotations, patchAnnotations, putAnnotations } from '../annotations';
import { jobData, meta, patchMeta, taskData } from '../data/frames';
import { startDataProcessing } from '../data/processing';
import type { Emulator } from '../server';
import { plainText } from '../plain';
import { checkLegacyAnnotationsGet, checkLegacyAnnotationsPut } from './legacy';
import { dirname } from 'node:path';

/** Task data (upload, frames, chunks, meta) and annotations of tasks and jobs. */
export function registerData(emu: Emulator): void {
  const key = (id: number): string => `task-data:${id}`;
  emu.router
    .add('GET', '/api/tasks/:id/data/meta', (ctx) => {
      ctx.json(200, meta(getTask(ctx, ctx.param('id'), 'view:metadata')));
    })
    .add('PATCH', '/api/tasks/:id/data/meta', async (ctx) => {
      const t = getTask(ctx, ctx.param('id'), 'update:metadata');
      await patchMeta(ctx, t);
    })
    .add('GET', '/api/tasks/:id/data', (ctx) => taskData(ctx, getTask(ctx, ctx.param('id'), 'view:data')))
    .add('POST', '/api/tasks/:id/data', async (ctx) => {
      const task = getTask(ctx, ctx.param('id'), 'upload:data');
      await ctx.emu.uploads.post(ctx, {
        key: key(task.id),
        finish: (c, files, params) =>
          startDataProcessing(
            c,
            task,
            files,
            params,
            files[0] ? dirname(files[0].path) : c.emu.state.tempDir,
          ),
      });
    })
    .add('HEAD', '/api/tasks/:id/data/:file', (ctx) => {
      getTask(ctx, ctx.param('id'), 'upload:data');
      ctx.emu.uploads.tusHead(ctx, key(ctx.param('id')));
    })
    .add('PATCH', '/api/tasks/:id/data/:file', async (ctx) => {
      getTask(ctx, ctx.param('id'), 'upload:data');
      await ctx.emu.uploads.tusPatch(ctx, key(ctx.param('id')));
    })
    .add('GET', '/api/jobs/:id/data/meta', (ctx) => {
      const j = getJob(ctx, ctx.param('id'), 'view:metadata');
      ctx.json(200, meta(ctx.emu.state.tasks.get(j.task_id)!, j));
    })
    .add('PATCH', '/api/jobs/:id/data/meta', async (ctx) => {
      const j = getJob(ctx, ctx.param('id'), 'update:metadata');
      const t = ctx.emu.state.tasks.get(j.task_id)!;
      await patchMeta(ctx, t, j);
    })
    .add('GET', '/api/jobs/:id/data', (ctx) => {
      const j = getJob(ctx, ctx.param('id'), 'view:data');
      return jobData(ctx, ctx.emu.state.tasks.get(j.task_id)!, j);
    });

  for (const kind of ['tasks', 'jobs'] as const) {
    type Access = 'view:annotations' | 'update:annotations' | 'delete:annotations';
    const scope = (ctx: Parameters<typeof getTask>[0], access: Access) => {
      if (kind === 'tasks') return { task: getTask(ctx, ctx.param('id'), access) };
      const job = getJob(ctx, ctx.param('id'), access);
      return { task: ctx.emu.state.tasks.get(job.task_id)!, job };
    };
    emu.router
      .add('GET', `/api/${kind}/:id/annotations`, (ctx) => {
        const s = scope(ctx, 'view:annotations');
        // TaskViewSet.annotations: Django's HttpResponseBadRequest, plain text.
        if (kind === 'tasks' && !s.task.data)
          throw plainText(400, 'Exporting annotations from a task without data is not allowed');
        checkLegacyAnnotationsGet(ctx, kind);
        return getAnnotations(ctx, s);
      })
      .add('PUT', `/api/${kind}/:id/annotations`, (ctx) => {
        const s = scope(ctx, 'update:annotations');
        checkLegacyAnnotationsPut(ctx);
        return putAnnotations(ctx, s);
      })
      .add('PATCH', `/api/${kind}/:id/annotations`, (ctx) =>
        patchAnnotations(ctx, scope(ctx, 'update:annotations')),
      )
      .add('DELETE', `/api/${kind}/:id/annotations`, (ctx) =>
        deleteAnnotations(ctx, scope(ctx, 'delete:annotations')),
      );
  }
}
