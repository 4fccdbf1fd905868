import { getJob, getProject, getTask } from '../access';
import type { Ctx } from '../context';
import type { HttpError } from '../errors';
import { plainText } from '../plain';
import type { Emulator } from '../server';

/**
 * Endpoints CVAT removed but still routes, answering 410 Gone with a plain-text pointer to the
 * replacement (cvat/apps/engine/view_utils.py get_410_response_*).
 */

export function goneForExport(path: string): HttpError {
  return plainText(
    410,
    'This endpoint is no longer supported.\n' +
      `To initiate the export process, use POST ${path}.\n` +
      'To check the process status, use GET /api/requests/rq_id,\n' +
      'where rq_id is obtained from the response of the previous request.\n' +
      'To download the prepared file, use the result_url obtained from the response of the previous request.\n',
  );
}

export function goneForStatus(process: string): HttpError {
  return plainText(
    410,
    `This endpoint no longer supports checking the status of the ${process} process.\n` +
      'The common requests API should be used instead: GET /api/requests/rq_id,\n' +
      'where rq_id is obtained from the response of the initializing request.\n',
  );
}

/** GET …/annotations with the old export parameters (TaskViewSet/JobViewSet.annotations). */
export function checkLegacyAnnotationsGet(ctx: Ctx, kind: 'tasks' | 'jobs'): void {
  const legacy = ['format', 'filename', 'action', 'location', 'cloud_storage_id'];
  if (legacy.some((k) => ctx.query.has(k)))
    throw goneForExport(`/api/${kind}/id/dataset/export?save_images=False`);
}

/** PUT …/annotations with `format` or `rq_id`: the old import status check. */
export function checkLegacyAnnotationsPut(ctx: Ctx): void {
  if (ctx.query.has('format') || ctx.query.has('rq_id')) throw goneForStatus('import');
}

export function registerLegacy(emu: Emulator): void {
  emu.router
    .add('GET', '/api/projects/:id/dataset', (ctx) => {
      getProject(ctx, ctx.param('id'));
      if (ctx.query.get('action') === 'import_status') throw goneForStatus('import');
      throw goneForExport('/api/projects/id/dataset/export?save_images=True');
    })
    .add('GET', '/api/projects/:id/annotations', (ctx) => {
      getProject(ctx, ctx.param('id'));
      throw goneForExport('/api/projects/id/dataset/export?save_images=False');
    })
    .add('GET', '/api/projects/:id/backup', (ctx) => {
      getProject(ctx, ctx.param('id'));
      throw goneForExport('/api/projects/id/backup/export');
    })
    .add('GET', '/api/tasks/:id/backup', (ctx) => {
      getTask(ctx, ctx.param('id'));
      throw goneForExport('/api/tasks/id/backup/export');
    })
    .add('GET', '/api/tasks/:id/dataset', (ctx) => {
      getTask(ctx, ctx.param('id'));
      throw goneForExport('/api/tasks/id/dataset/export?save_images=True');
    })
    .add('GET', '/api/jobs/:id/dataset', (ctx) => {
      getJob(ctx, ctx.param('id'));
      throw goneForExport('/api/jobs/id/dataset/export?save_images=True');
    });
}
