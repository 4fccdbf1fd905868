import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Ctx } from '../context';
import { imageInfo } from '../data/media';
import { badRequest, HttpError } from '../errors';
import { deleteProject } from '../resources/projects';
import { deleteTask } from '../resources/tasks';
import { checkRelativeName, resolveUnder } from '../safe-path';
import type { ZipEntry, ZipSource } from '../data/zip';
import { readZip, zipToFile } from '../data/zip';
import type { FrameRec, Json, JobRec, JsonObject, LabelRec, ProjectRec, TaskRec } from '../model';
import { now } from '../model';
import { RequestFailure } from '../requests';
import { makeJob } from '../resources/jobs';
import { applyLabels, taskLabels } from '../resources/labels';
import { replaceAnnotations } from '../annotations';

const obj = (v: Json | undefined): JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {};
const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

function labelMeta(l: LabelRec, all: LabelRec[]): JsonObject {
  const subs = all.filter((s) => s.parent_id === l.id);
  let svg = l.svg;
  for (const s of subs) svg = svg.split(`data-label-id="${s.id}"`).join(`data-label-name="${s.name}"`);
  const attrs = (x: LabelRec): Json[] =>
    x.attributes.map((a) => ({
      name: a.name,
      mutable: a.mutable,
      input_type: a.input_type,
      default_value: a.default_value,
      values: a.values,
    }));
  return {
    name: l.name,
    color: l.color,
    attributes: attrs(l),
    type: l.type,
    svg,
    sublabels: subs.map((s) => ({
      name: s.name,
      color: s.color,
      attributes: attrs(s),
      type: s.type,
      svg: '',
      sublabels: [],
    })),
  };
}

/** Task backup in CVAT's layout: task.json, annotations.json (one entry per job), data/ with the media. */
export function taskBackupEntries(ctx: Ctx, task: TaskRec, prefix = ''): ZipSource[] {
  const state = ctx.emu.state;
  const labels = taskLabels(ctx, task.id, true);
  const jobs = [...state.jobs.values()].filter((j) => j.task_id === task.id).sort((a, b) => a.id - b.id);
  const data = task.data;
  const jobMeta = (j: JobRec): JsonObject => {
    const m: JsonObject = {
      status: j.state === 'completed' ? 'completed' : 'annotation',
      type: j.type,
      start_frame: j.start_frame,
      stop_frame: j.stop_frame,
    };
    if (j.frames) m.frames = j.frames;
    return m;
  };
  const manifest: JsonObject = {
    name: task.name,
    bug_tracker: task.bug_tracker,
    status: task.status,
    subset: task.subset,
    labels: labels.filter((l) => l.parent_id === null).map((l) => labelMeta(l, labels)),
    version: '1.0',
    data: data
      ? {
          chunk_size: data.chunk_size,
          image_quality: data.image_quality,
          start_frame: data.start_frame,
          stop_frame: data.stop_frame,
          ...(data.frame_filter ? { frame_filter: data.frame_filter } : {}),
          chunk_type: 'imageset',
          storage_method: 'cache',
          storage: 'local',
          sorting_method: 'predefined',
          deleted_frames: data.deleted_frames,
        }
      : {},
    jobs: jobs.map(jobMeta),
  };
  if (task.consensus_replicas > 0) manifest.consensus_replicas = task.consensus_replicas;
  // Each object goes to the first annotation job that holds its frame, so overlaps do not duplicate it.
  const ann = state.annotationsOf(task.id);
  const nameOf = new Map(labels.map((l) => [l.id, l.name]));
  const attrName = new Map(labels.flatMap((l) => l.attributes.map((a) => [a.id, a.name] as const)));
  const convert = (o: JsonObject): JsonObject => {
    const { id: _id, label_id, ...rest } = o;
    const out: JsonObject = { ...rest, label: nameOf.get(Number(label_id)) ?? '' };
    out.attributes = arr(o.attributes).map((a) => ({
      name: attrName.get(Number(obj(a).spec_id)) ?? '',
      value: obj(a).value ?? '',
    }));
    if (Array.isArray(o.elements)) out.elements = o.elements.map((e) => convert(obj(e)));
    if (Array.isArray(o.shapes))
      out.shapes = o.shapes.map((s) => {
        const { id: _sid, ...sr } = obj(s);
        return {
          ...sr,
          attributes: arr(obj(s).attributes).map((a) => ({
            name: attrName.get(Number(obj(a).spec_id)) ?? '',
            value: obj(a).value ?? '',
          })),
        };
      });
    return out;
  };
  const owner = (frame: number): number | undefined =>
    jobs.find(
      (j) =>
        j.type === 'annotation' &&
        frame >= j.start_frame &&
        frame <= j.stop_frame &&
        (!j.frames || j.frames.includes(frame)),
    )?.id;
  const annotations = jobs.map((j) => {
    const mine = (o: JsonObject): boolean => owner(Number(o.frame)) === j.id;
    return {
      version: 0,
      tags: ann.tags.filter(mine).map(convert),
      shapes: ann.shapes.filter(mine).map(convert),
      tracks: ann.tracks.filter(mine).map(convert),
    };
  });
  const entries: ZipSource[] = [
    { name: `${prefix}task.json`, data: Buffer.from(JSON.stringify(manifest)) },
    { name: `${prefix}annotations.json`, data: Buffer.from(JSON.stringify(annotations)) },
  ];
  if (data) {
    const lines = [
      '{"version":"1.1"}',
      '{"type":"images"}',
      ...data.frames.map((f) =>
        JSON.stringify({
          name: f.name.replace(/\.[^./]*$/, ''),
          extension: f.name.match(/\.[^./]*$/)?.[0] ?? '',
          width: f.width,
          height: f.height,
          meta: {},
        }),
      ),
    ];
    entries.push({ name: `${prefix}data/manifest.jsonl`, data: Buffer.from(lines.join('\n') + '\n') });
    for (const f of data.frames) entries.push({ name: `${prefix}data/${f.name}`, path: f.path });
  }
  return entries;
}

export async function writeTaskBackup(ctx: Ctx, task: TaskRec, target: string): Promise<void> {
  await zipToFile(target, taskBackupEntries(ctx, task));
}

export async function writeProjectBackup(ctx: Ctx, project: ProjectRec, target: string): Promise<void> {
  const labels = [...ctx.emu.state.labels.values()].filter(
    (l) =>
      l.project_id === project.id ||
      (l.parent_id !== null && ctx.emu.state.labels.get(l.parent_id)?.project_id === project.id),
  );
  const manifest = {
    name: project.name,
    bug_tracker: project.bug_tracker,
    status: project.status,
    labels: labels.filter((l) => l.parent_id === null).map((l) => labelMeta(l, labels)),
    version: '1.0',
  };
  const tasks = [...ctx.emu.state.tasks.values()]
    .filter((t) => t.project_id === project.id)
    .sort((a, b) => a.id - b.id);
  const entries: ZipSource[] = [{ name: 'project.json', data: Buffer.from(JSON.stringify(manifest)) }];
  tasks.forEach((t, i) => entries.push(...taskBackupEntries(ctx, t, `task_${i}/`)));
  await zipToFile(target, entries);
}

function parseJsonEntry(entries: ZipEntry[], name: string): Json {
  const e = entries.find((x) => x.name === name);
  if (!e) throw new RequestFailure(`Invalid backup: ${name} is missing.`);
  try {
    return JSON.parse(e.read().toString('utf8')) as Json;
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new RequestFailure(`Invalid backup: ${name} is not valid JSON.`);
  }
}

/** Label specs of a backup as a labels write request (svg sublabel names are resolved after creation). */
function labelsRequest(raw: Json[]): Json[] {
  return raw.map((l) => {
    const o = obj(l);
    return {
      name: o.name ?? '',
      color: o.color ?? '',
      type: o.type ?? 'any',
      svg: o.svg ?? '',
      attributes: arr(o.attributes),
      sublabels: labelsRequest(arr(o.sublabels)),
    };
  });
}

function fixSvgs(ctx: Ctx, labels: LabelRec[]): void {
  for (const l of labels) {
    if (l.type !== 'skeleton') continue;
    for (const s of labels.filter((x) => x.parent_id === l.id))
      l.svg = l.svg.split(`data-label-name="${s.name}"`).join(`data-label-id="${s.id}"`);
  }
  void ctx;
}

/** What a task backup holds, checked before anything is written or created. */
export interface TaskRestorePlan {
  manifest: JsonObject;
  annotations: Json[];
  /** Media in frame order, under names already checked by checkRelativeName. */
  media: Array<{ name: string; entry: ZipEntry }>;
}

/** Every entry name of an archive must be a safe relative path, even those never extracted. */
function checkEntryNames(entries: ZipEntry[]): void {
  for (const e of entries) checkRelativeName(e.name, { trailingSlash: e.isDirectory });
}

/**
 * Reads and checks a task backup (under `prefix` inside a project backup): the manifests parse,
 * the version is supported and every media name is safe. Throws before anything is written.
 */
export function planTaskRestore(entries: ZipEntry[], prefix: string): TaskRestorePlan {
  const manifest = obj(parseJsonEntry(entries, `${prefix}task.json`));
  const annotations = arr(parseJsonEntry(entries, `${prefix}annotations.json`));
  if (manifest.version !== '1.0')
    throw new RequestFailure(`${String(manifest.version)} version is not supported`);
  const data = obj(manifest.data);
  // Media: data/ minus CVAT's manifest and index, ordered by the manifest when there is one.
  const dataPrefix = `${prefix}data/`;
  const byName = new Map<string, ZipEntry>();
  for (const e of entries) {
    if (e.isDirectory || !e.name.startsWith(dataPrefix)) continue;
    const name = e.name.slice(dataPrefix.length);
    if (/^(manifest\.jsonl|index\.json)$/.test(name)) continue;
    byName.set(checkRelativeName(name), e);
  }
  let names = [...byName.keys()];
  const manifestEntry = entries.find((e) => e.name === `${dataPrefix}manifest.jsonl`);
  if (manifestEntry) {
    const ordered = manifestEntry
      .read()
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => obj(parseLine(l)))
      .filter((o) => typeof o.name === 'string')
      .map((o) => `${String(o.name)}${String(o.extension ?? '')}`);
    if (ordered.length && ordered.every((n) => byName.has(n))) names = ordered;
  } else if (data.sorting_method === 'natural') {
    names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  } else if (data.sorting_method !== 'predefined') {
    names.sort();
  }
  return { manifest, annotations, media: names.map((name) => ({ name, entry: byName.get(name)! })) };
}

function parseLine(line: string): Json {
  try {
    return JSON.parse(line) as Json;
  } catch {
    throw new RequestFailure('Invalid backup: data/manifest.jsonl is not valid JSON lines.');
  }
}

/** Checks a whole backup up front (a 400 before the request is queued, as nothing is written yet). */
export function planBackup(kind: 'tasks', entries: ZipEntry[]): TaskRestorePlan;
export function planBackup(kind: 'projects', entries: ZipEntry[]): ProjectRestorePlan;
export function planBackup(
  kind: 'tasks' | 'projects',
  entries: ZipEntry[],
): TaskRestorePlan | ProjectRestorePlan {
  try {
    checkEntryNames(entries);
    if (kind === 'tasks') return planTaskRestore(entries, '');
    const manifest = obj(parseJsonEntry(entries, 'project.json'));
    const prefixes = [
      ...new Set(
        entries
          .map((e) => /^(task_\d+\/)task\.json$/.exec(e.name)?.[1])
          .filter((p): p is string => p !== undefined),
      ),
    ];
    prefixes.sort((a, b) => Number(a.slice(5, -1)) - Number(b.slice(5, -1)));
    return { manifest, tasks: prefixes.map((p) => planTaskRestore(entries, p)) };
  } catch (e) {
    if (e instanceof RequestFailure) throw badRequest(e.message);
    throw e;
  }
}

/**
 * Writes a plan's media into a new folder, checking each is an image before it is written. On any
 * failure the folder is removed: nothing is left behind.
 */
function writeMedia(plan: TaskRestorePlan, folder: string): FrameRec[] {
  const frames: FrameRec[] = [];
  try {
    for (const { name, entry } of plan.media) {
      const bytes = entry.read();
      const info = imageInfo(bytes);
      if (!info)
        throw new RequestFailure(
          `Unsupported media in backup: "${name}" is not an image the CVAT emulator can read (video tasks are not supported).`,
        );
      const path = resolveUnder(folder, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
      frames.push({ name, width: info.width, height: info.height, path, mime: info.mime });
    }
  } catch (e) {
    rmSync(folder, { recursive: true, force: true });
    throw e;
  }
  return frames;
}

/**
 * Restores a task from a checked backup plan (CVAT's layout, including consensus replicas and
 * validation layouts). A failure part-way removes the task and its files.
 */
export function restoreTask(
  ctx: Ctx,
  plan: TaskRestorePlan,
  dir: string,
  projectId: number | null,
  orgId: number | null,
): TaskRec {
  const state = ctx.emu.state;
  const { manifest, annotations } = plan;
  const data = obj(manifest.data);
  const jobs = arr(manifest.jobs).map(obj);
  const id = state.nextId('task');
  const folder = join(dir, `task-${id}`);
  const frames = writeMedia(plan, folder);
  const t = now();
  const task: TaskRec = {
    id,
    name: String(manifest.name ?? 'restored task'),
    project_id: projectId,
    owner_id: ctx.requireUser().id,
    assignee_id: null,
    assignee_updated_date: null,
    bug_tracker: String(manifest.bug_tracker ?? ''),
    org_id: orgId,
    overlap: 0,
    segment_size: 0,
    subset: String(manifest.subset ?? ''),
    status:
      manifest.status === 'completed' || manifest.status === 'validation' ? manifest.status : 'annotation',
    created_date: t,
    updated_date: t,
    consensus_replicas: Number(manifest.consensus_replicas ?? 0),
    validation_mode: null,
    source_storage: null,
    target_storage: null,
    data: null,
    data_rq_id: null,
  };
  state.tasks.set(id, task);
  try {
    if (projectId === null) {
      applyLabels(ctx, labelsRequest(arr(manifest.labels)), { project_id: null, task_id: id });
      fixSvgs(ctx, taskLabels(ctx, id, true));
    }
    fillTask(ctx, task, frames, data, jobs, annotations, t);
  } catch (e) {
    deleteTask(ctx, task);
    rmSync(folder, { recursive: true, force: true });
    throw e;
  }
  return task;
}

/** Labels, data, jobs and annotations of a restored task. */
function fillTask(
  ctx: Ctx,
  task: TaskRec,
  frames: FrameRec[],
  data: JsonObject,
  jobs: JsonObject[],
  annotations: Json[],
  t: string,
): void {
  const state = ctx.emu.state;
  const id = task.id;
  if (frames.length) {
    task.data = {
      id: state.nextId('data'),
      frames,
      chunk_size: Number(data.chunk_size ?? 72) || 72,
      image_quality: Number(data.image_quality ?? 70),
      start_frame: Number(data.start_frame ?? 0),
      stop_frame: Number(data.stop_frame ?? frames.length - 1),
      frame_filter: String(data.frame_filter ?? ''),
      deleted_frames: arr(data.deleted_frames).map(Number),
      storage: 'local',
      sorting_method: String(data.sorting_method ?? 'lexicographical'),
      chunks_updated_date: t,
    };
  }
  // Jobs as listed; consensus replicas hang off the annotation job with the same range.
  const frameOf = (name: Json): number => frames.findIndex((f) => f.name === String(name));
  const layout = obj(data.validation_layout);
  const created: Array<JobRec | null> = [];
  for (const j of jobs) {
    const type = j.type === 'ground_truth' || j.type === 'consensus_replica' ? j.type : 'annotation';
    let frameList: number[] | null = null;
    if (Array.isArray(j.files) && data.custom_segments)
      frameList = j.files.map(frameOf).filter((i) => i >= 0);
    else if (Array.isArray(j.frames)) frameList = j.frames.map(Number);
    else if (type === 'ground_truth' && Array.isArray(layout.frames))
      frameList = layout.frames.map(frameOf).filter((i) => i >= 0);
    // A ground-truth job spans the whole task; its frame list says which frames it holds.
    const spansTask = type === 'ground_truth' && frameList !== null;
    const start = spansTask ? 0 : frameList?.length ? Math.min(...frameList) : Number(j.start_frame ?? 0);
    const stop = spansTask
      ? frames.length - 1
      : frameList?.length
        ? Math.max(...frameList)
        : Number(j.stop_frame ?? start);
    const contiguous = frameList !== null && frameList.length === stop - start + 1 && type !== 'ground_truth';
    let parent: number | null = null;
    if (type === 'consensus_replica') {
      const p = created.find(
        (c) => c && c.type === 'annotation' && c.start_frame === start && c.stop_frame === stop,
      );
      parent = p?.id ?? null;
    }
    const job = makeJob(
      state,
      id,
      type,
      start,
      stop,
      frameList && !contiguous ? [...frameList].sort((a, b) => a - b) : null,
      parent,
    );
    job.state = j.status === 'completed' ? 'completed' : 'new';
    created.push(job);
  }
  const annJobs = jobs.filter((j) => (j.type ?? 'annotation') === 'annotation');
  if (annJobs.length) {
    task.segment_size = data.custom_segments
      ? 0
      : Number(annJobs[0]!.stop_frame) - Number(annJobs[0]!.start_frame) + 1;
    task.overlap =
      annJobs.length > 1
        ? Math.max(0, Number(annJobs[0]!.stop_frame) - Number(annJobs[1]!.start_frame) + 1)
        : 0;
  }
  if (created.some((j) => j?.type === 'ground_truth'))
    task.validation_mode = layout.mode === 'gt_pool' ? 'gt_pool' : 'gt';

  // Annotations: entry i belongs to job i. Only annotation jobs feed the task's annotations here.
  const labels = taskLabels(ctx, id, true);
  const top = new Map(labels.filter((l) => l.parent_id === null).map((l) => [l.name, l]));
  const toIds = (o: JsonObject, parent?: LabelRec): JsonObject => {
    const label = parent
      ? labels.find((l) => l.parent_id === parent.id && l.name === o.label)
      : top.get(String(o.label));
    if (!label) throw new RequestFailure(`Invalid backup: unknown label "${String(o.label)}".`);
    const { label: _l, ...rest } = o;
    const attrs = (list: Json | undefined): Json[] =>
      arr(list).flatMap((a) => {
        const spec = label.attributes.find((x) => x.name === obj(a).name);
        return spec ? [{ spec_id: spec.id, value: String(obj(a).value ?? '') }] : [];
      });
    const out: JsonObject = { ...rest, label_id: label.id, attributes: attrs(o.attributes) };
    if (Array.isArray(o.elements)) out.elements = o.elements.map((e) => toIds(obj(e), label));
    if (Array.isArray(o.shapes))
      out.shapes = o.shapes.map((s) => ({ ...obj(s), attributes: attrs(obj(s).attributes) }));
    return out;
  };
  const merged = { tags: [] as JsonObject[], shapes: [] as JsonObject[], tracks: [] as JsonObject[] };
  annotations.forEach((entry, i) => {
    const job = created[i];
    if (annotations.length === created.length && job && job.type !== 'annotation') return;
    const e = obj(entry);
    merged.tags.push(...arr(e.tags).map((x) => toIds(obj(x))));
    merged.shapes.push(...arr(e.shapes).map((x) => toIds(obj(x))));
    merged.tracks.push(...arr(e.tracks).map((x) => toIds(obj(x))));
  });
  if (task.data) replaceAnnotations(ctx, { task }, merged);
}

export interface ProjectRestorePlan {
  manifest: JsonObject;
  tasks: TaskRestorePlan[];
}

/** Restores a project from a checked plan; a failure part-way removes the project and its tasks. */
export function restoreProject(
  ctx: Ctx,
  plan: ProjectRestorePlan,
  dir: string,
  orgId: number | null,
): ProjectRec {
  const state = ctx.emu.state;
  const { manifest } = plan;
  const id = state.nextId('project');
  const t = now();
  const project: ProjectRec = {
    id,
    name: String(manifest.name ?? 'restored project'),
    owner_id: ctx.requireUser().id,
    assignee_id: null,
    assignee_updated_date: null,
    bug_tracker: String(manifest.bug_tracker ?? ''),
    org_id: orgId,
    status: 'annotation',
    created_date: t,
    updated_date: t,
    source_storage: null,
    target_storage: null,
  };
  state.projects.set(id, project);
  try {
    applyLabels(ctx, labelsRequest(arr(manifest.labels)), { project_id: id, task_id: null });
    fixSvgs(
      ctx,
      [...state.labels.values()].filter(
        (l) =>
          l.project_id === id || (l.parent_id !== null && state.labels.get(l.parent_id)?.project_id === id),
      ),
    );
    for (const task of plan.tasks) restoreTask(ctx, task, dir, id, orgId);
  } catch (e) {
    deleteProject(ctx, project);
    throw e;
  }
  return project;
}

/** Reads a backup archive; a malformed or oversized one is a 400 or 413 (ZipError, ZipTooLargeError). */
export async function readBackup(path: string): Promise<ZipEntry[]> {
  return readZip(await readFile(path));
}
