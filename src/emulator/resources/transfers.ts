import { cloudSource, queryParams } from '../cloud/source';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getJob, getProject, getTask, requireCreate } from '../access';
import type { Ctx } from '../context';
import { sendFile } from '../data/send-file';
import type { UploadedFile } from '../data/uploads';
import { dataParams, processData } from '../data/processing';
import { isZip, readZip } from '../data/zip';
import type { ZipEntry } from '../data/zip';
import { createTask } from './tasks';
import { badRequest, detail, forbidden, notFound } from '../errors';
import {
  planBackup,
  readBackup,
  restoreProject,
  restoreTask,
  writeProjectBackup,
  writeTaskBackup,
} from '../formats/backup';
import { archiveMedia, isArchiveFormat, readAnnotations, taskView, writeDataset } from '../formats/dataset';
import { isImage } from '../formats/items';
import type { DatasetImage } from '../formats/items';
import type { Parsed } from '../formats/parsed';
import { exportFormat, importFormat } from '../formats/registry';
import type { JsonObject, RequestRec, TaskRec } from '../model';
import { cloudStore } from '../cloud/store';
import type { CloudStorageRec } from '../cloud/store';
import { bucketPath } from './cloudstorages';
import { enqueue, RequestFailure, rqId } from '../requests';
import { appendAnnotations, replaceAnnotations } from '../annotations';
import { pyRepr } from '../jsonlogic';
import { goneForStatus } from './legacy';
import type { Emulator } from '../server';
import { checkRelativeName, resolveUnder } from '../safe-path';

type Resource = 'projects' | 'tasks' | 'jobs';
const TARGET: Record<Resource, string> = { projects: 'project', tasks: 'task', jobs: 'job' };

let exportCounter = 0;

function exportPath(ctx: Ctx): string {
  const dir = join(ctx.emu.state.tempDir, 'exports');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${++exportCounter}.zip`);
}

const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '_').replace(/\..*/, '');

function bool(v: string | null, fallback: boolean): boolean {
  if (v === null || v === '') return fallback;
  return v === 'true' || v === 'True' || v === '1';
}

/** Resolves the object and its organization, checking the caller may read it. */
function target(
  ctx: Ctx,
  resource: Resource,
  access: 'export' | 'import' = 'export',
): {
  id: number;
  orgId: number | null;
  projectId: number | null;
  taskId: number | null;
  jobId: number | null;
  name: string;
} {
  const id = ctx.param('id');
  if (resource === 'projects') {
    const p = getProject(ctx, id, access === 'export' ? 'export:dataset' : 'import:dataset');
    return { id, orgId: p.org_id, projectId: id, taskId: null, jobId: null, name: p.name };
  }
  if (resource === 'tasks') {
    const t = getTask(ctx, id, access === 'export' ? 'export:dataset' : 'import:annotations');
    return { id, orgId: t.org_id, projectId: t.project_id, taskId: id, jobId: null, name: t.name };
  }
  const j = getJob(ctx, id, access === 'export' ? 'export:dataset' : 'import:annotations');
  const t = ctx.emu.state.tasks.get(j.task_id)!;
  return { id, orgId: t.org_id, projectId: t.project_id, taskId: t.id, jobId: id, name: `job_${id}` };
}

/** Where an export's file goes: downloaded from the server, or written into a cloud storage. */
type ExportLocation = { kind: 'local' } | { kind: 'cloud'; storage: CloudStorageRec };

/**
 * As CVAT's get_location_configuration: `location` from the query, else the object's own
 * target storage (a job's is its task's); a cloud storage must exist and be the caller's to use.
 */
function exportLocation(ctx: Ctx, resource: Resource, t: ReturnType<typeof target>): ExportLocation {
  const query = ctx.query.get('location');
  let location: string;
  let storageId: number | null = null;
  let isDefault = false;
  if (query === null || query === '') {
    isDefault = true;
    const own =
      resource === 'projects'
        ? ctx.emu.state.projects.get(t.id)?.target_storage
        : ctx.emu.state.tasks.get(t.taskId ?? -1)?.target_storage;
    location = own?.location ?? 'local';
    storageId = own?.cloud_storage_id ?? null;
  } else {
    if (query !== 'local' && query !== 'cloud_storage')
      throw badRequest(`The specified location ${query} is not supported`);
    location = query;
    const raw = ctx.query.get('cloud_storage_id');
    if (raw !== null && raw !== '') {
      if (!/^\d+$/.test(raw)) throw badRequest({ cloud_storage_id: 'A valid integer is required.' });
      storageId = Number(raw);
    }
    if (location === 'cloud_storage' && storageId === null)
      throw badRequest('Cloud storage was selected as location but cloud_storage_id was not specified');
  }
  if (location === 'local') return { kind: 'local' };
  const storage = storageId === null ? undefined : cloudStore(ctx.emu).storages.get(storageId);
  if (!storage) throw notFound();
  const user = ctx.requireUser();
  const usable =
    user.is_superuser ||
    storage.owner_id === user.id ||
    (storage.org_id !== null && ctx.emu.orgs.memberOrgIds(user).has(storage.org_id));
  if (!usable) {
    throw forbidden(
      `${isDefault ? 'A cloud storage is selected as the default location. ' : ''}You don't have access to this cloud storage`,
    );
  }
  return { kind: 'cloud', storage };
}

function startExport(ctx: Ctx, resource: Resource, kind: 'dataset' | 'backup'): void {
  const t = target(ctx, resource);
  const location = exportLocation(ctx, resource, t);
  const format = kind === 'dataset' ? ctx.query.get('format') : null;
  // DatasetExporter.validate_request / BackupExporter.validate_request
  if (kind === 'dataset' && !exportFormat(format))
    throw badRequest('Unknown format specified for the request');
  if (kind === 'backup' && resource === 'tasks' && !ctx.emu.state.tasks.get(t.id)?.data)
    throw badRequest('Backup of a task without data is not allowed');
  const saveImages = bool(ctx.query.get('save_images'), false);
  const user = ctx.requireUser();
  const id = rqId({
    action: 'export',
    target: TARGET[resource],
    target_id: t.id,
    subresource: kind === 'dataset' ? (saveImages ? 'dataset' : 'annotations') : 'backup',
    format,
    user_id: user.id,
  });
  const filename =
    ctx.query.get('filename') ||
    `${TARGET[resource]}_${t.name.replace(/[^\w.-]+/g, '_')}_${kind}_${stamp()}${format ? `_${format.replace(/[^\w]+/g, '_')}` : ''}.zip`;
  // A name that would leave the bucket's folder is refused before any work is queued.
  const cloudKey =
    location.kind === 'cloud'
      ? resolveUnder(bucketPath(cloudStore(ctx.emu), location.storage), filename)
      : undefined;
  const emu = ctx.emu;
  const rq = enqueue(
    ctx,
    id,
    {
      type: `export:${kind === 'dataset' ? (saveImages ? 'dataset' : 'annotations') : 'backup'}`,
      target: TARGET[resource],
      project_id: t.projectId,
      task_id: t.taskId,
      job_id: t.jobId,
      org_id: t.orgId,
      format,
    },
    async (progress) => {
      const file = exportPath(ctx);
      await progress(0.1, 'Preparing the export');
      if (kind === 'backup') {
        if (resource === 'projects') await writeProjectBackup(ctx, emu.state.projects.get(t.id)!, file);
        else await writeTaskBackup(ctx, emu.state.tasks.get(t.id)!, file);
      } else {
        const views =
          resource === 'projects'
            ? [...emu.state.tasks.values()]
                .filter((x) => x.project_id === t.id && x.data)
                .map((x) => taskView(ctx, x))
            : resource === 'tasks'
              ? [taskView(ctx, emu.state.tasks.get(t.id)!)]
              : [taskView(ctx, emu.state.tasks.get(t.taskId!)!, emu.state.jobs.get(t.id)!)];
        await writeDataset(file, format!, views, saveImages);
      }
      if (location.kind === 'cloud') {
        // Uploaded to the bucket: the request finishes without a result_url, as CVAT's does.
        const key = cloudKey!;
        mkdirSync(dirname(key), { recursive: true });
        await copyFile(file, key);
        return {};
      }
      return {
        result_file: file,
        result_filename: filename,
        result_path: `/api/${resource}/${t.id}/${kind}/download?rq_id=${encodeURIComponent(id)}`,
      };
    },
  );
  ctx.json(202, { rq_id: rq.id });
}

async function download(ctx: Ctx, resource: Resource, kind: 'dataset' | 'backup'): Promise<void> {
  target(ctx, resource);
  const rqIdValue = ctx.query.get('rq_id');
  if (!rqIdValue) throw badRequest({ rq_id: 'This field is required.' });
  const rq = ctx.emu.state.requests.get(rqIdValue);
  if (
    !rq ||
    rq.owner_id !== ctx.requireUser().id ||
    !rq.result_path?.startsWith(`/api/${resource}/${ctx.param('id')}/${kind}/`)
  )
    throw detail(404, 'Not found.');
  if (rq.status !== 'finished' || !rq.result_file) throw badRequest('The export has not finished yet.');
  const name = rq.result_filename ?? 'export.zip';
  await sendFile(ctx, rq.result_file, 'application/zip', statSync(rq.result_file).size, {
    'Content-Disposition': `attachment; filename="${name.replace(/"/g, '')}"`,
  });
}

function pickFile(files: UploadedFile[], params: JsonObject): UploadedFile {
  const wanted = typeof params.filename === 'string' ? params.filename : undefined;
  const f = (wanted ? files.find((x) => x.name === wanted) : undefined) ?? files[0];
  if (!f) throw badRequest('No file was uploaded.');
  return f;
}

/** DatasetImporter.validate_request: format names are exact, as the server lists them. */
function checkImportFormat(format: string | null): void {
  if (!importFormat(format)) throw badRequest(`Unknown input format ${pyRepr(format ?? '')}`);
}

function importProjectDataset(
  ctx: Ctx,
  projectId: number,
  files: UploadedFile[],
  params: JsonObject,
): RequestRec {
  const rawFormat = typeof params.format === 'string' ? params.format : null;
  const format = rawFormat;
  checkImportFormat(format);
  const file = pickFile(files, params);
  const project = ctx.emu.state.projects.get(projectId)!;
  const id = rqId({ action: 'import', target: 'project', target_id: projectId, subresource: 'dataset' });
  return enqueue(
    ctx,
    id,
    {
      type: 'import:dataset',
      target: 'project',
      project_id: projectId,
      org_id: project.org_id,
      format: rawFormat,
    },
    async (progress) => {
      const buf = await readFile(file.path);
      if (!isZip(buf.subarray(0, 4)))
        throw new RequestFailure('Dataset file should be a zip archive with annotations and images.');
      const entries = readZip(buf);
      // Every name is checked before the first task is created or the first file written.
      for (const e of entries) checkRelativeName(e.name, { trailingSlash: e.isDirectory });
      const subsets = archiveMedia(format!, entries) ?? cvatOrCocoMedia(format!, entries);
      if (!subsets.size)
        throw new RequestFailure(
          `Dataset file does not contain any images (expected the image folders of ${String(format)}).`,
        );
      const dir = join(dirname(file.path), 'dataset');
      let done = 0;
      for (const [subset, list] of subsets) {
        const task = createTask(ctx, {
          name: `${project.name}_${subset}`,
          project_id: projectId,
          subset: subset === 'default' ? '' : subset,
        });
        const sources: UploadedFile[] = list.map(({ name, entry }) => {
          const path = resolveUnder(join(dir, String(task.id)), name);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, entry.read());
          return { name, path };
        });
        await processData(
          ctx,
          task,
          sources,
          dataParams({ sorting_method: 'natural', image_quality: 70 }),
          dir,
          async () => undefined,
        );
        const annotations = isArchiveFormat(format!)
          ? await readAnnotations(taskView(ctx, task), format!, file.path, subset)
          : await cvatOrCocoAnnotations(ctx, task, format!, entries, subset, dir);
        if (annotations) replaceAnnotations(ctx, { task }, annotations);
        await progress(++done / subsets.size, 'Importing the dataset');
      }
      return { result_id: projectId };
    },
  );
}

/** The images of a COCO or CVAT dataset by subset: images/<subset>/<name> (COCO: images/<name>). */
function cvatOrCocoMedia(format: string, entries: ZipEntry[]): Map<string, DatasetImage[]> {
  const subsets = new Map<string, DatasetImage[]>();
  for (const entry of entries) {
    if (entry.isDirectory || !entry.name.startsWith('images/') || !isImage(entry.name)) continue;
    const rest = entry.name.slice('images/'.length);
    const slash = rest.indexOf('/');
    const byFolder = format !== 'COCO 1.0' && slash >= 0;
    const subset = byFolder ? rest.slice(0, slash) : 'default';
    const name = byFolder ? rest.slice(slash + 1) : rest;
    subsets.set(subset, [...(subsets.get(subset) ?? []), { name, entry }]);
  }
  return subsets;
}

/** The annotations of one subset of a COCO or CVAT dataset, if it has an annotation file. */
async function cvatOrCocoAnnotations(
  ctx: Ctx,
  task: TaskRec,
  format: string,
  entries: ZipEntry[],
  subset: string,
  dir: string,
): Promise<Parsed | undefined> {
  const annFile =
    format === 'COCO 1.0'
      ? (entries.find((e) => e.name === `annotations/instances_${subset}.json`) ??
        entries.find((e) => /^annotations\/.*\.json$/.test(e.name)))
      : entries.find((e) => e.name.endsWith('.xml'));
  if (!annFile) return undefined;
  const path = join(dir, `${task.id}.annotations`);
  writeFileSync(path, annFile.read());
  return readAnnotations(taskView(ctx, task), format, path);
}

function importAnnotations(
  ctx: Ctx,
  resource: 'tasks' | 'jobs',
  files: UploadedFile[],
  params: JsonObject,
): RequestRec {
  const t = target(ctx, resource, 'import');
  const rawFormat = typeof params.format === 'string' ? params.format : null;
  const format = rawFormat;
  checkImportFormat(format);
  const mode = params.import_mode ?? 'replace';
  if (mode !== 'replace' && mode !== 'append')
    throw badRequest({ import_mode: `"${String(mode)}" is not a valid choice.` });
  const file = pickFile(files, params);
  const id = rqId({
    action: 'import',
    target: TARGET[resource],
    target_id: t.id,
    subresource: 'annotations',
  });
  return enqueue(
    ctx,
    id,
    {
      type: 'import:annotations',
      target: TARGET[resource],
      project_id: t.projectId,
      task_id: t.taskId,
      job_id: t.jobId,
      org_id: t.orgId,
      format: rawFormat,
    },
    async (progress) => {
      const task = ctx.emu.state.tasks.get(t.taskId!);
      if (!task?.data) throw new RequestFailure('The task has no data.');
      const job = t.jobId === null ? undefined : ctx.emu.state.jobs.get(t.jobId);
      const view = taskView(ctx, task, job);
      await progress(0.3, 'Reading the annotation file');
      const data = await readAnnotations(view, format!, file.path);
      for (const k of ['tags', 'shapes', 'tracks'] as const) for (const o of data[k]) o.source ??= 'file';
      if (mode === 'append') appendAnnotations(ctx, { task, job }, data);
      else replaceAnnotations(ctx, { task, job }, data);
    },
  );
}

/**
 * Restores a task or project backup from an uploaded (or cloud) file, as a request. The whole
 * archive is checked before the request is queued: a bad one is a 400 and nothing is written or
 * created.
 */
async function restoreBackup(
  ctx: Ctx,
  resource: 'tasks' | 'projects',
  files: UploadedFile[],
  params: JsonObject,
): Promise<RequestRec> {
  const file = pickFile(files, params);
  const entries = await readBackup(file.path);
  const plan = resource === 'tasks' ? planBackup('tasks', entries) : planBackup('projects', entries);
  const orgId = ctx.emu.orgs.createIn(ctx);
  const id = rqId({
    action: 'import',
    target: TARGET[resource],
    id: file.name.replace(/\.zip$/, ''),
    subresource: 'backup',
  });
  return enqueue(
    ctx,
    id,
    { type: 'import:backup', target: TARGET[resource], org_id: orgId },
    async (progress) => {
      await progress(0.2, 'Restoring the backup');
      const dir = join(dirname(file.path), 'restored');
      if ('tasks' in plan) return { result_id: restoreProject(ctx, plan, dir, orgId).id };
      return { result_id: restoreTask(ctx, plan, dir, null, orgId).id };
    },
  );
}

export function registerTransfers(emu: Emulator): void {
  for (const resource of ['projects', 'tasks', 'jobs'] as const) {
    emu.router
      .add('POST', `/api/${resource}/:id/dataset/export`, (ctx) => startExport(ctx, resource, 'dataset'))
      .add('GET', `/api/${resource}/:id/dataset/download`, (ctx) => download(ctx, resource, 'dataset'));
    if (resource !== 'jobs') {
      emu.router
        .add('POST', `/api/${resource}/:id/backup/export`, (ctx) => startExport(ctx, resource, 'backup'))
        .add('GET', `/api/${resource}/:id/backup/download`, (ctx) => download(ctx, resource, 'backup'));
    }
  }
  // Annotation imports: Upload-Start / TUS / Upload-Finish, or one multipart request with annotation_file.
  for (const resource of ['tasks', 'jobs'] as const) {
    const key = (ctx: Ctx): string => `${resource}-annotations:${ctx.param('id')}`;
    emu.router
      .add('POST', `/api/${resource}/:id/annotations`, async (ctx) => {
        const t = target(ctx, resource, 'import');
        const task = ctx.emu.state.tasks.get(t.taskId!)!;
        // task.py ensure_task_is_initialized
        if (!task.data) throw badRequest('This task data has not been initialized yet');
        // A job's default source storage is its task's.
        const cloud = cloudSource(ctx, task.source_storage);
        if (cloud)
          return ctx.json(202, { rq_id: importAnnotations(ctx, resource, [cloud], queryParams(ctx)).id });
        await ctx.emu.uploads.post(ctx, {
          key: key(ctx),
          finish: (c, files, params) => importAnnotations(c, resource, files, params),
        });
      })
      .add('HEAD', `/api/${resource}/:id/annotations/:file`, (ctx) => {
        target(ctx, resource, 'import');
        ctx.emu.uploads.tusHead(ctx, key(ctx));
      })
      .add('PATCH', `/api/${resource}/:id/annotations/:file`, async (ctx) => {
        target(ctx, resource, 'import');
        await ctx.emu.uploads.tusPatch(ctx, key(ctx));
      });
  }
  // Project dataset import: the archive's images become a new task per subset, with its annotations.
  const datasetKey = (ctx: Ctx): string => `projects-dataset:${ctx.param('id')}`;
  emu.router
    .add('POST', '/api/projects/:id/dataset', async (ctx) => {
      const p = getProject(ctx, ctx.param('id'), 'import:dataset');
      const cloud = cloudSource(ctx, p.source_storage);
      if (cloud)
        return ctx.json(202, { rq_id: importProjectDataset(ctx, p.id, [cloud], queryParams(ctx)).id });
      await ctx.emu.uploads.post(ctx, {
        key: datasetKey(ctx),
        finish: (c, files, params) => importProjectDataset(c, p.id, files, params),
      });
    })
    .add('HEAD', '/api/projects/:id/dataset/:file', (ctx) => {
      getProject(ctx, ctx.param('id'), 'import:dataset');
      ctx.emu.uploads.tusHead(ctx, datasetKey(ctx));
    })
    .add('PATCH', '/api/projects/:id/dataset/:file', async (ctx) => {
      getProject(ctx, ctx.param('id'), 'import:dataset');
      await ctx.emu.uploads.tusPatch(ctx, datasetKey(ctx));
    });
  // Backup restores: the uploaded file gets a server-chosen name, echoed in Upload-Filename.
  for (const resource of ['tasks', 'projects'] as const) {
    const key = (ctx: Ctx): string => `${resource}-backup:${ctx.requireUser().id}`;
    emu.router
      .add('POST', `/api/${resource}/backup`, async (ctx) => {
        if (ctx.query.has('rq_id')) throw goneForStatus('import');
        requireCreate(ctx);
        const cloud = cloudSource(ctx);
        if (cloud)
          return ctx.json(202, { rq_id: (await restoreBackup(ctx, resource, [cloud], queryParams(ctx))).id });
        await ctx.emu.uploads.post(ctx, {
          key: key(ctx),
          uniqueNames: true,
          finish: (c, files, params) => restoreBackup(c, resource, files, params),
        });
      })
      .add('HEAD', `/api/${resource}/backup/:file`, (ctx) => ctx.emu.uploads.tusHead(ctx, key(ctx)))
      .add('PATCH', `/api/${resource}/backup/:file`, (ctx) => ctx.emu.uploads.tusPatch(ctx, key(ctx)));
  }
}
