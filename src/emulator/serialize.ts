import { guideIdOf } from './resources/guides';
import { mayProject, mayTask } from './access';
import type { Ctx } from './context';
import type {
  AccessTokenRec,
  AttributeRec,
  CommentRec,
  InvitationRec,
  IssueRec,
  JobRec,
  LabelRec,
  MembershipRec,
  OrgRec,
  ProjectRec,
  RequestRec,
  StorageRec,
  TaskRec,
  UserRec,
} from './model';

/** Wire shapes, following the response schemas of CVAT's OpenAPI document. */
export class Serializer {
  constructor(private readonly ctx: Ctx) {}

  private get state() {
    return this.ctx.emu.state;
  }

  basicUser(id: number | null): Record<string, unknown> | null {
    const u = id === null ? undefined : this.state.users.get(id);
    if (!u) return null;
    return {
      url: this.ctx.abs(`/api/users/${u.id}`),
      id: u.id,
      username: u.username,
      first_name: u.first_name,
      last_name: u.last_name,
    };
  }

  user(u: UserRec): Record<string, unknown> {
    return {
      url: this.ctx.abs(`/api/users/${u.id}`),
      id: u.id,
      username: u.username,
      first_name: u.first_name,
      last_name: u.last_name,
      email: u.email,
      groups: u.is_superuser ? ['admin'] : ['user'],
      is_staff: u.is_staff,
      is_superuser: u.is_superuser,
      is_active: u.is_active,
      last_login: u.last_login,
      date_joined: u.date_joined,
      has_analytics_access: u.is_superuser,
    };
  }

  storage(s: StorageRec | null): Record<string, unknown> | null {
    return s ? { id: s.id, location: s.location, cloud_storage_id: s.cloud_storage_id } : null;
  }

  project(p: ProjectRec): Record<string, unknown> {
    const tasks = [...this.state.tasks.values()].filter((t) => t.project_id === p.id);
    const subsets = [...new Set(tasks.map((t) => t.subset).filter((s) => s !== ''))];
    const dims = tasks.map((t) => (t.data ? '2d' : null)).find((d) => d !== null) ?? null;
    return {
      url: this.ctx.abs(`/api/projects/${p.id}`),
      id: p.id,
      name: p.name,
      owner: this.basicUser(p.owner_id),
      assignee: this.basicUser(p.assignee_id),
      guide_id: guideIdOf(this.state, { project_id: p.id }),
      bug_tracker: p.bug_tracker,
      task_subsets: subsets,
      created_date: p.created_date,
      updated_date: p.updated_date,
      status: p.status,
      dimension: dims,
      organization: p.org_id,
      organization_id: p.org_id,
      target_storage: this.storage(p.target_storage),
      source_storage: this.storage(p.source_storage),
      tasks: { count: tasks.length, url: this.ctx.abs(`/api/tasks?project_id=${p.id}`) },
      labels: { url: this.ctx.abs(`/api/labels?project_id=${p.id}`) },
      assignee_updated_date: p.assignee_updated_date,
    };
  }

  task(t: TaskRec): Record<string, unknown> {
    const jobs = [...this.state.jobs.values()].filter((j) => j.task_id === t.id);
    const project = t.project_id === null ? undefined : this.state.projects.get(t.project_id);
    const d = t.data;
    const out: Record<string, unknown> = {
      url: this.ctx.abs(`/api/tasks/${t.id}`),
      id: t.id,
      name: t.name,
      project_id: t.project_id,
      project_name: project?.name ?? null,
      owner: this.basicUser(t.owner_id),
      assignee: this.basicUser(t.assignee_id),
      bug_tracker: t.bug_tracker,
      created_date: t.created_date,
      updated_date: t.updated_date,
      overlap: t.overlap,
      segment_size: t.segment_size,
      status: t.status,
      data_chunk_size: d ? d.chunk_size : null,
      data_cloud_storage_id: t.data?.cloud_storage_id ?? null,
      guide_id:
        guideIdOf(this.state, { task_id: t.id }) ?? guideIdOf(this.state, { project_id: t.project_id }),
      size: d ? d.frames.length : 0,
      data: d ? d.id : null,
      dimension: d ? '2d' : '',
      mode: d ? 'annotation' : '',
      media_type: d ? 'image' : '',
      subset: t.subset,
      organization: t.org_id,
      organization_id: t.org_id,
      target_storage: this.storage(t.target_storage),
      source_storage: this.storage(t.source_storage),
      jobs: {
        count: jobs.length,
        completed: jobs.filter((j) => j.state === 'completed').length,
        validation: jobs.filter((j) => j.stage === 'validation').length,
        url: this.ctx.abs(`/api/jobs?task_id=${t.id}`),
      },
      labels: { url: this.ctx.abs(`/api/labels?task_id=${t.id}`) },
      assignee_updated_date: t.assignee_updated_date,
      validation_mode: t.validation_mode,
      consensus_enabled: t.consensus_replicas > 0,
    };
    if (d) {
      out.data_original_chunk_type = 'imageset';
      out.data_compressed_chunk_type = 'imageset';
      out.image_quality = d.image_quality;
    }
    return out;
  }

  job(j: JobRec): Record<string, unknown> {
    const t = this.state.tasks.get(j.task_id);
    const project = t?.project_id != null ? this.state.projects.get(t.project_id) : undefined;
    // JobReadSerializer: the task's and project's names (and the task's storages) only for users
    // who may see them; a job's assignee alone sees the job, not its task.
    const seesTask = t !== undefined && mayTask(this.ctx, t, 'view');
    const seesProject = project !== undefined && mayProject(this.ctx, project, 'view');
    const issues = [...this.state.issues.values()].filter((i) => i.job_id === j.id).length;
    const replicas = [...this.state.jobs.values()].filter((x) => x.parent_job_id === j.id).length;
    return {
      url: this.ctx.abs(`/api/jobs/${j.id}`),
      id: j.id,
      task_id: j.task_id,
      task_name: seesTask ? t.name : null,
      project_id: t?.project_id ?? null,
      project_name: seesProject ? project.name : null,
      assignee: this.basicUser(j.assignee_id),
      guide_id:
        guideIdOf(this.state, { task_id: j.task_id }) ??
        guideIdOf(this.state, { project_id: t?.project_id ?? null }),
      dimension: '2d',
      mode: 'annotation',
      media_type: 'image',
      bug_tracker: t && t.bug_tracker !== '' ? t.bug_tracker : null,
      // JobWriteSerializer.update: annotation stage → annotation; accepted and completed →
      // completed; anything else (validation, or acceptance not completed) → validation.
      status:
        j.stage === 'annotation'
          ? 'annotation'
          : j.stage === 'acceptance' && j.state === 'completed'
            ? 'completed'
            : 'validation',
      stage: j.stage,
      state: j.state,
      frame_count: j.frames ? j.frames.length : j.stop_frame - j.start_frame + 1,
      start_frame: j.start_frame,
      stop_frame: j.stop_frame,
      data_chunk_size: t?.data?.chunk_size ?? null,
      data_compressed_chunk_type: 'imageset',
      data_original_chunk_type: 'imageset',
      created_date: j.created_date,
      updated_date: j.updated_date,
      issues: { url: this.ctx.abs(`/api/issues?job_id=${j.id}`), count: issues },
      labels: { url: this.ctx.abs(`/api/labels?job_id=${j.id}`) },
      type: j.type,
      organization: t?.org_id ?? null,
      target_storage: seesTask ? this.storage(t.target_storage) : null,
      source_storage: seesTask ? this.storage(t.source_storage) : null,
      assignee_updated_date: j.assignee_updated_date,
      parent_job_id: j.parent_job_id,
      consensus_replicas: j.type === 'annotation' ? (t?.consensus_replicas ?? 0) : 0,
      replicas_count: replicas,
    };
  }

  attribute(a: AttributeRec): Record<string, unknown> {
    return {
      id: a.id,
      name: a.name,
      mutable: a.mutable,
      input_type: a.input_type,
      default_value: a.default_value,
      values: a.values,
    };
  }

  label(l: LabelRec): Record<string, unknown> {
    const sublabels = [...this.state.labels.values()].filter((s) => s.parent_id === l.id);
    const out: Record<string, unknown> = {
      id: l.id,
      name: l.name,
      color: l.color,
      attributes: l.attributes.map((a) => this.attribute(a)),
      type: l.type,
      sublabels: sublabels.map((s) => ({
        id: s.id,
        name: s.name,
        color: s.color,
        attributes: s.attributes.map((a) => this.attribute(a)),
        type: s.type,
        has_parent: true,
      })),
      parent_id: l.parent_id,
      has_parent: l.parent_id !== null,
    };
    if (l.type === 'skeleton') out.svg = l.svg;
    if (l.project_id !== null) out.project_id = l.project_id;
    if (l.task_id !== null) out.task_id = l.task_id;
    return out;
  }

  org(o: OrgRec): Record<string, unknown> {
    return {
      id: o.id,
      slug: o.slug,
      name: o.name,
      description: o.description,
      created_date: o.created_date,
      updated_date: o.updated_date,
      contact: o.contact,
      owner: this.basicUser(o.owner_id),
    };
  }

  membership(m: MembershipRec): Record<string, unknown> {
    return {
      id: m.id,
      user: this.basicUser(m.user_id),
      organization: m.org_id,
      is_active: m.is_active,
      joined_date: m.joined_date,
      role: m.role,
      invitation: m.invitation,
    };
  }

  invitation(i: InvitationRec): Record<string, unknown> {
    const o = this.state.orgs.get(i.org_id);
    return {
      key: i.key,
      created_date: i.created_date,
      owner: this.basicUser(i.owner_id),
      role: i.role,
      user: this.basicUser(i.user_id),
      organization: i.org_id,
      expired: false,
      accepted: i.accepted,
      organization_info: { id: i.org_id, slug: o?.slug ?? '' },
    };
  }

  issue(i: IssueRec): Record<string, unknown> {
    const comments = [...this.state.comments.values()].filter((c) => c.issue_id === i.id).length;
    return {
      id: i.id,
      frame: i.frame,
      position: i.position,
      job: i.job_id,
      owner: this.basicUser(i.owner_id),
      assignee: this.basicUser(i.assignee_id),
      created_date: i.created_date,
      updated_date: i.updated_date,
      resolved: i.resolved,
      comments: { count: comments, url: this.ctx.abs(`/api/comments?issue_id=${i.id}`) },
    };
  }

  comment(c: CommentRec): Record<string, unknown> {
    return {
      id: c.id,
      issue: c.issue_id,
      owner: this.basicUser(c.owner_id),
      message: c.message,
      created_date: c.created_date,
      updated_date: c.updated_date,
    };
  }

  accessToken(t: AccessTokenRec, withValue = false): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: t.id,
      name: t.name,
      created_date: t.created_date,
      updated_date: t.updated_date,
      expiry_date: t.expiry_date,
      last_used_date: t.last_used_date,
      read_only: t.read_only,
      owner: this.basicUser(t.owner_id),
    };
    if (withValue) out.value = t.value;
    return out;
  }

  request(r: RequestRec): Record<string, unknown> {
    const owner = this.state.users.get(r.owner_id);
    return {
      status: r.status,
      message: r.message,
      id: r.id,
      operation: r.operation,
      progress: r.progress,
      created_date: r.created_date,
      started_date: r.started_date,
      finished_date: r.finished_date,
      expiry_date: r.expiry_date,
      owner: { id: r.owner_id, username: owner?.username ?? '' },
      result_url: r.result_path ? this.ctx.abs(r.result_path) : null,
      result_id: r.result_id,
    };
  }
}
