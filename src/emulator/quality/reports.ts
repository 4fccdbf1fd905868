import type { Ctx } from '../context';
import { jobFrames } from '../data/frames';
import { jobAnnotationsOf } from '../job-annotations';
import type { JobRec, TaskRec } from '../model';
import { now } from '../model';
import { taskLabels } from '../resources/labels';
import { annotationsOn, compareFrame } from './compare';
import type { Conflict, Pair } from './compare';
import type { QualityStore, ReportRec, SummaryRec } from './store';

/** The message CVAT's QualityReportQueueManager gives when a task cannot be checked. */
export const GT_NOT_READY =
  'Quality reports require a Ground Truth job in the task at the acceptance stage and in the completed state';

export function gtJobOf(ctx: Ctx, task: TaskRec): JobRec | undefined {
  return [...ctx.emu.state.jobs.values()].find((j) => j.task_id === task.id && j.type === 'ground_truth');
}

/** A task whose ground truth is accepted and completed, as CVAT requires before comparing. */
export function isCheckable(ctx: Ctx, task: TaskRec): boolean {
  const gt = gtJobOf(ctx, task);
  return gt !== undefined && gt.stage === 'acceptance' && gt.state === 'completed';
}

function emptySummary(): SummaryRec {
  return {
    total_frames: 0,
    validation_frames: 0,
    validation_frame_share: 0,
    conflict_count: 0,
    error_count: 0,
    conflicts_by_type: {},
  };
}

function addCounts(into: SummaryRec, from: SummaryRec): void {
  into.conflict_count += from.conflict_count;
  into.error_count += from.error_count;
  for (const [type, n] of Object.entries(from.conflicts_by_type))
    into.conflicts_by_type[type] = (into.conflicts_by_type[type] ?? 0) + n;
}

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** The IoU threshold of the task's settings (the project's, when the task inherits them). */
function iouThresholdFor(store: QualityStore, task: TaskRec): number {
  const own = store.settingsOf({ task_id: task.id });
  const settings =
    own.inherit && task.project_id !== null ? store.settingsOf({ project_id: task.project_id }) : own;
  const rectangle = store
    .requirementsOf(settings.id)
    .find((r) => r.is_base && r.annotation_type === 'rectangle');
  return rectangle?.iou_threshold ?? 0.4;
}

function newReport(store: QualityStore, fields: Partial<ReportRec> & Pick<ReportRec, 'target'>): ReportRec {
  const t = now();
  const rec: ReportRec = {
    id: store.nextId('report'),
    job_id: null,
    task_id: null,
    project_id: null,
    parent_id: null,
    summary: emptySummary(),
    created_date: t,
    target_last_updated: t,
    gt_last_updated: null,
    assignee_id: null,
    labels: [],
    confusion: [],
    iou_threshold: 0.4,
    children: [],
    frames: [],
    ...fields,
  };
  store.reports.set(rec.id, rec);
  return rec;
}

function addConflicts(store: QualityStore, report: ReportRec, conflicts: readonly Conflict[]): void {
  for (const c of conflicts) {
    const id = store.nextId('conflict');
    store.conflicts.set(id, {
      id,
      report_id: report.id,
      frame: c.frame,
      type: c.type,
      severity: 'error',
      annotation_ids: c.annotations.map((a) => ({
        obj_id: a.id,
        job_id: a.jobId,
        type: a.kind,
        shape_type: a.shapeType,
      })),
    });
    report.summary.conflict_count += 1;
    report.summary.error_count += 1;
    report.summary.conflicts_by_type[c.type] = (report.summary.conflicts_by_type[c.type] ?? 0) + 1;
  }
}

/** A confusion matrix over label ids, `null` (unmatched) last: rows = annotation, cols = ground truth. */
function confusionOf(labelIds: readonly number[], pairs: readonly Pair[]): number[][] {
  const index = (label: number | null) => (label === null ? labelIds.length : labelIds.indexOf(label));
  const size = labelIds.length + 1;
  const matrix = Array.from({ length: size }, () => Array<number>(size).fill(0));
  for (const p of pairs) {
    const row = index(p.dsLabel);
    const col = index(p.gtLabel);
    if (row >= 0 && col >= 0) matrix[row]![col]! += 1;
  }
  return matrix;
}

function addMatrix(into: number[][], from: readonly number[][]): void {
  from.forEach((row, r) => row.forEach((n, c) => (into[r]![c]! += n)));
}

/**
 * Compares every annotation job of a task with its ground-truth job on the frames they share
 * (IoU matching of shapes, labels of tags): one job report per annotation job, with its
 * conflicts, under one task report that sums them. CVAT's task reports have no conflicts of their own.
 */
export function computeTaskReport(
  ctx: Ctx,
  store: QualityStore,
  task: TaskRec,
  parentId: number | null = null,
): ReportRec {
  const state = ctx.emu.state;
  const gt = gtJobOf(ctx, task)!;
  const deleted = new Set(task.data?.deleted_frames ?? []);
  const gtFrames = jobFrames(gt).filter((f) => !deleted.has(f));
  const gtStore = jobAnnotationsOf(state, gt.id);
  const taskStore = state.annotationsOf(task.id);
  const labels = taskLabels(ctx, task.id);
  const labelIds = labels.map((l) => l.id);
  const threshold = iouThresholdFor(store, task);
  const report = newReport(store, {
    target: 'task',
    task_id: task.id,
    project_id: task.project_id,
    parent_id: parentId,
    target_last_updated: task.updated_date,
    gt_last_updated: gt.updated_date,
    assignee_id: task.assignee_id,
    labels: [...labels.map((l) => l.name), 'unmatched'],
    confusion: confusionOf(labelIds, []),
    iou_threshold: threshold,
  });
  const jobs = [...state.jobs.values()].filter((j) => j.task_id === task.id && j.type === 'annotation');
  let checkable = 0;
  let completed = 0;
  for (const job of jobs) {
    const frames = jobFrames(job).filter((f) => gtFrames.includes(f));
    const jobReport = newReport(store, {
      target: 'job',
      job_id: job.id,
      task_id: task.id,
      project_id: task.project_id,
      parent_id: report.id,
      target_last_updated: job.updated_date,
      gt_last_updated: gt.updated_date,
      assignee_id: job.assignee_id,
      labels: report.labels,
      iou_threshold: threshold,
      frames,
    });
    const pairs: Pair[] = [];
    for (const frame of frames) {
      const result = compareFrame(
        frame,
        annotationsOn(frame, gt.id, gtStore),
        annotationsOn(frame, job.id, taskStore),
        threshold,
      );
      addConflicts(store, jobReport, result.conflicts);
      pairs.push(...result.pairs);
    }
    jobReport.confusion = confusionOf(labelIds, pairs);
    const total = jobFrames(job).length;
    Object.assign(jobReport.summary, {
      total_frames: total,
      validation_frames: frames.length,
      validation_frame_share: share(frames.length, total),
    });
    report.children.push(jobReport.id);
    addCounts(report.summary, jobReport.summary);
    addMatrix(report.confusion, jobReport.confusion);
    if (frames.length > 0) {
      checkable += 1;
      if (jobReport.summary.error_count === 0) completed += 1;
    }
  }
  const total = task.data?.frames.length ?? 0;
  Object.assign(report.summary, {
    total_frames: total,
    validation_frames: gtFrames.length,
    validation_frame_share: share(gtFrames.length, total),
    jobs: {
      total: jobs.length,
      excluded: 0,
      not_checkable: jobs.length - checkable,
      included: jobs.length,
      completed,
    },
  });
  return report;
}

/** A project report: a task report for every task whose ground truth is ready, summed. */
export function computeProjectReport(ctx: Ctx, store: QualityStore, projectId: number): ReportRec {
  const project = ctx.emu.state.projects.get(projectId)!;
  const report = newReport(store, {
    target: 'project',
    project_id: projectId,
    target_last_updated: project.updated_date,
    assignee_id: project.assignee_id,
  });
  const tasks = [...ctx.emu.state.tasks.values()].filter((t) => t.project_id === projectId);
  let included = 0;
  let completed = 0;
  for (const task of tasks) {
    if (!isCheckable(ctx, task)) continue;
    const child = computeTaskReport(ctx, store, task, report.id);
    included += 1;
    if (child.summary.error_count === 0) completed += 1;
    report.children.push(child.id);
    addCounts(report.summary, child.summary);
    report.summary.total_frames += child.summary.total_frames;
    report.summary.validation_frames += child.summary.validation_frames;
  }
  report.summary.validation_frame_share = share(
    report.summary.validation_frames,
    report.summary.total_frames,
  );
  report.summary.tasks = {
    total: tasks.length,
    custom: 0,
    not_configured: tasks.length - included,
    excluded: 0,
    included,
    completed,
  };
  return report;
}

/** The job reports under a report (itself for a job report). */
export function jobReportsUnder(store: QualityStore, report: ReportRec): ReportRec[] {
  if (report.target === 'job') return [report];
  return report.children.flatMap((id) => {
    const child = store.reports.get(id);
    return child ? jobReportsUnder(store, child) : [];
  });
}
