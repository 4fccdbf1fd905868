import type { Emulator } from '../server';
import { now } from '../model';

export const ANNOTATION_TYPES = [
  'tag',
  'rectangle',
  'skeleton',
  'skeleton_keypoint',
  'points',
  'polyline',
  'mask',
  'polygon',
  'ellipse',
] as const;

export interface SettingsRec {
  id: number;
  task_id: number | null;
  project_id: number | null;
  job_filter: string;
  inherit: boolean;
  max_validations_per_job: number;
  created_date: string;
  updated_date: string;
}

export interface RequirementRec {
  id: number;
  settings_id: number;
  name: string;
  is_base: boolean;
  sort_order: number;
  filter: string;
  enabled: boolean;
  annotation_type: string | null;
  metric: 'accuracy' | 'precision' | 'recall' | null;
  required_score: number | null;
  parent_requirement: number | null;
  iou_threshold: number | null;
  point_size: number | null;
  point_size_base: string | null;
  line_thickness: number | null;
  match_orientation: boolean | null;
  line_orientation_threshold: number | null;
  match_groups: boolean | null;
  group_match_threshold: number | null;
  check_covered_annotations: boolean | null;
  object_visibility_threshold: number | null;
  panoptic_comparison: boolean | null;
  created_date: string;
  updated_date: string;
}

export interface AnnotationIdRec {
  obj_id: number;
  job_id: number;
  type: 'tag' | 'shape' | 'track';
  shape_type: string | null;
}

export interface ConflictRec {
  id: number;
  report_id: number;
  frame: number;
  type: string;
  annotation_ids: AnnotationIdRec[];
  severity: 'error';
}

export interface SummaryRec {
  total_frames: number;
  validation_frames: number;
  validation_frame_share: number;
  conflict_count: number;
  error_count: number;
  conflicts_by_type: Record<string, number>;
  jobs?: { total: number; excluded: number; not_checkable: number; included: number; completed: number };
  tasks?: {
    total: number;
    custom: number;
    not_configured: number;
    excluded: number;
    included: number;
    completed: number;
  };
}

export interface ReportRec {
  id: number;
  target: 'job' | 'task' | 'project';
  job_id: number | null;
  task_id: number | null;
  project_id: number | null;
  parent_id: number | null;
  summary: SummaryRec;
  created_date: string;
  target_last_updated: string;
  gt_last_updated: string | null;
  assignee_id: number | null;
  /** Label names of the confusion matrix (the task's labels, then `unmatched`). */
  labels: string[];
  /** Counts by [annotation label index][ground-truth label index], `unmatched` last. */
  confusion: number[][];
  iou_threshold: number;
  /** Child reports (jobs of a task report, tasks of a project report). */
  children: number[];
  /** Frame numbers compared (job reports). */
  frames: number[];
}

export interface ConsensusSettingsRec {
  id: number;
  task_id: number;
  iou_threshold: number;
}

/** What the emulator remembers of quality control and consensus, per running emulator. */
export class QualityStore {
  readonly settings = new Map<number, SettingsRec>();
  readonly requirements = new Map<number, RequirementRec>();
  readonly reports = new Map<number, ReportRec>();
  readonly conflicts = new Map<number, ConflictRec>();
  readonly consensus = new Map<number, ConsensusSettingsRec>();
  private readonly counters = new Map<string, number>();

  nextId(kind: string): number {
    const next = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, next);
    return next;
  }

  /** The settings of a task or project, made with CVAT's defaults on first use. */
  settingsOf(parent: { task_id: number } | { project_id: number }): SettingsRec {
    const isTask = 'task_id' in parent;
    for (const s of this.settings.values()) {
      if (isTask ? s.task_id === parent.task_id : s.project_id === parent.project_id) return s;
    }
    const t = now();
    const rec: SettingsRec = {
      id: this.nextId('settings'),
      task_id: isTask ? parent.task_id : null,
      project_id: isTask ? null : parent.project_id,
      job_filter: '',
      inherit: true,
      max_validations_per_job: 0,
      created_date: t,
      updated_date: t,
    };
    this.settings.set(rec.id, rec);
    ANNOTATION_TYPES.forEach((type, order) => {
      const id = this.nextId('requirement');
      this.requirements.set(id, baseRequirement(id, rec.id, type, order, t));
    });
    return rec;
  }

  requirementsOf(settingsId: number): RequirementRec[] {
    return [...this.requirements.values()]
      .filter((r) => r.settings_id === settingsId)
      .sort((a, b) => a.sort_order - b.sort_order || a.id - b.id);
  }

  consensusOf(taskId: number): ConsensusSettingsRec {
    for (const s of this.consensus.values()) if (s.task_id === taskId) return s;
    const rec = { id: this.nextId('consensus'), task_id: taskId, iou_threshold: 0.4 };
    this.consensus.set(rec.id, rec);
    return rec;
  }
}

/** One of the base requirements CVAT makes per annotation type (`Base rectangle`, …), with its defaults. */
function baseRequirement(
  id: number,
  settingsId: number,
  type: string,
  order: number,
  t: string,
): RequirementRec {
  return {
    id,
    settings_id: settingsId,
    name: `Base ${type.replace(/_/g, ' ')}`,
    is_base: true,
    sort_order: order,
    filter: '',
    enabled: false,
    annotation_type: type,
    metric: 'accuracy',
    required_score: 0.7,
    parent_requirement: null,
    iou_threshold: 0.4,
    point_size: 0.09,
    point_size_base: 'group_bbox_size',
    line_thickness: 0.01,
    match_orientation: true,
    line_orientation_threshold: 0.1,
    match_groups: true,
    group_match_threshold: 0.5,
    check_covered_annotations: true,
    object_visibility_threshold: 0.05,
    panoptic_comparison: true,
    created_date: t,
    updated_date: t,
  };
}

const stores = new WeakMap<Emulator, QualityStore>();

export function qualityStore(emu: Emulator): QualityStore {
  let store = stores.get(emu);
  if (!store) {
    store = new QualityStore();
    stores.set(emu, store);
  }
  return store;
}
