import { png } from '../emulator/helpers';
import { ids, orgWithMember } from './support/orgs';
import { cvatCase, useTarget } from './support/target';
import type { Session } from './support/target';

/** Permissions (#15, divergence 1): CVAT's `.rego` rules, checked with a second, non-admin user. */
describe('conformance: permissions (IAM)', () => {
  const target = useTarget();
  const labels = [{ name: 'car' }];
  const image = (): Array<[string, Buffer]> => [['a.png', png(8, 8)]];

  /** The second user, or undefined on a live server that has none (the case then ends early). */
  function other(): Session | undefined {
    const s = target().other(1);
    if (!s && target().kind === 'emulator') throw new Error('the emulator always has user2');
    return s;
  }

  async function userId(s: Session): Promise<number> {
    return ((await s.get('/api/users/self')).body as { id: number }).id;
  }

  cvatCase(
    'a worker lists only the tasks and jobs they own or are assigned to (task, project or job)',
    'cvat/apps/engine/rules/tasks.rego, jobs.rego: filter (organization, worker); serializers.py JobReadSerializer.get_task_name',
    async () => {
      const worker = other();
      if (!worker) return;
      const admin = target().admin;
      const { slug } = await orgWithMember(target(), worker, 'worker');
      const me = await userId(worker);
      const org = { org: slug };
      const hidden = await admin.taskWithImages({ name: 'hidden', labels }, image(), {}, org);
      const assigned = await admin.taskWithImages(
        { name: 'assigned', labels, assignee_id: me },
        image(),
        {},
        org,
      );
      const project = await admin.post(
        '/api/projects',
        { name: target().name('p'), labels, assignee_id: me },
        org,
      );
      expect(project.status).toBe(201);
      const inProject = await admin.taskWithImages(
        { name: 'in-project', project_id: (project.body as { id: number }).id },
        image(),
        {},
        org,
      );
      const byJob = await admin.taskWithImages({ name: 'by-job', labels }, image(), {}, org);
      const jobs = await admin.get('/api/jobs', { ...org, query: { task_id: byJob.id as number } });
      const jobId = ids(jobs.body)[0]!;
      expect((await admin.patch(`/api/jobs/${jobId}`, { assignee: me }, org)).status).toBe(200);

      const tasks = ids((await worker.get('/api/tasks', { ...org, query: { page_size: 100 } })).body);
      expect(tasks).toEqual(expect.arrayContaining([assigned.id, inProject.id]));
      expect(tasks).not.toContain(hidden.id);
      // A job's assignee sees the job, not its task (tasks.rego has no job-assignee rule).
      expect(tasks).not.toContain(byJob.id);
      const listedJobs = ids((await worker.get('/api/jobs', { ...org, query: { page_size: 100 } })).body);
      expect(listedJobs).toContain(jobId);
      const hiddenJobs = ids(
        (await admin.get('/api/jobs', { ...org, query: { task_id: hidden.id as number } })).body,
      );
      for (const j of hiddenJobs) expect(listedJobs).not.toContain(j);
      const job = await worker.get(`/api/jobs/${jobId}`);
      expect(job.status).toBe(200);
      // ...and the job does not show the name of a task they may not see (JobReadSerializer).
      expect(job.body).toMatchObject({ task_id: byJob.id, task_name: null });
      expect((await worker.get(`/api/tasks/${byJob.id as number}`)).status).toBe(403);
    },
    120_000,
  );

  cvatCase(
    'creating a task or a project in an organization needs the supervisor role or above',
    'cvat/apps/engine/rules/tasks.rego, projects.rego: create (organizations.SUPERVISOR)',
    async () => {
      const member = other();
      if (!member) return;
      const admin = target().admin;
      const { slug, membershipId } = await orgWithMember(target(), member, 'worker');
      const org = { org: slug };
      expect((await member.post('/api/tasks', { name: target().name('t'), labels }, org)).status).toBe(403);
      expect((await member.post('/api/projects', { name: target().name('p') }, org)).status).toBe(403);
      expect(
        (await admin.patch(`/api/memberships/${membershipId}`, { role: 'supervisor' }, org)).status,
      ).toBe(200);
      const created = await member.post('/api/tasks', { name: target().name('t'), labels }, org);
      expect(created.status).toBe(201);
      expect((await member.post('/api/projects', { name: target().name('p') }, org)).status).toBe(201);
    },
  );

  cvatCase(
    "editing another user's task needs the maintainer role or above",
    'cvat/apps/engine/rules/tasks.rego: update:desc, delete (organizations.MAINTAINER)',
    async () => {
      const member = other();
      if (!member) return;
      const admin = target().admin;
      const { slug, membershipId } = await orgWithMember(target(), member, 'supervisor');
      const org = { org: slug };
      const task = await admin.post('/api/tasks', { name: target().name('t'), labels }, org);
      const id = (task.body as { id: number }).id;
      // A supervisor who is neither owner nor assignee may not even see it.
      expect((await member.get(`/api/tasks/${id}`, org)).status).toBe(403);
      expect((await member.patch(`/api/tasks/${id}`, { name: target().name('renamed') }, org)).status).toBe(
        403,
      );
      // Its assignee may edit the description but not delete it or hand it over.
      const me = await userId(member);
      expect((await admin.patch(`/api/tasks/${id}`, { assignee_id: me }, org)).status).toBe(200);
      expect(
        (await member.patch(`/api/tasks/${id}`, { name: target().name('by-assignee') }, org)).status,
      ).toBe(200);
      expect((await member.patch(`/api/tasks/${id}`, { assignee_id: null }, org)).status).toBe(403);
      expect((await member.delete(`/api/tasks/${id}`, org)).status).toBe(403);
      expect(
        (await admin.patch(`/api/memberships/${membershipId}`, { role: 'maintainer' }, org)).status,
      ).toBe(200);
      expect((await member.patch(`/api/tasks/${id}`, { owner_id: me }, org)).status).toBe(200);
    },
  );

  cvatCase(
    'an object that exists but may not be seen answers 403; a missing one 404',
    'cvat/apps/iam/permissions.py: PolicyEnforcer (object found, then OPA denies) — test_tasks.py::TestGetTasks',
    async () => {
      const user = other();
      if (!user) return;
      const admin = target().admin;
      const task = await admin.post('/api/tasks', { name: target().name('private'), labels });
      const id = (task.body as { id: number }).id;
      const denied = await user.get(`/api/tasks/${id}`);
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ detail: 'You do not have permission to perform this action.' });
      expect((await user.get(`/api/tasks/${id}/annotations`)).status).toBe(403);
      expect((await user.delete(`/api/tasks/${id}`)).status).toBe(403);
      const project = await admin.post('/api/projects', { name: target().name('private') });
      expect((await user.get(`/api/projects/${(project.body as { id: number }).id}`)).status).toBe(403);
      expect((await user.get('/api/tasks/2147483000')).status).toBe(404);
    },
  );

  cvatCase(
    'sandbox: a user sees only their own or assigned objects; a superuser sees all',
    'cvat/apps/engine/rules/tasks.rego: filter (utils.is_sandbox, utils.is_admin)',
    async () => {
      const user = other();
      if (!user) return;
      const admin = target().admin;
      const mine = await user.post('/api/tasks', { name: target().name('mine'), labels });
      expect(mine.status).toBe(201);
      const theirs = await admin.post('/api/tasks', { name: target().name('theirs'), labels });
      const listed = ids((await user.get('/api/tasks', { query: { page_size: 100 } })).body);
      expect(listed).toContain((mine.body as { id: number }).id);
      expect(listed).not.toContain((theirs.body as { id: number }).id);
      const self = (await admin.get('/api/users/self')).body as { is_superuser: boolean };
      if (!self.is_superuser) return; // the superuser half needs a superuser
      const all = ids(
        (await admin.get('/api/tasks', { query: { search: target().prefix + 'mine', page_size: 100 } })).body,
      );
      expect(all).toContain((mine.body as { id: number }).id);
    },
  );

  cvatCase(
    "a job's assignee may change its state but not its stage",
    'cvat/apps/engine/rules/jobs.rego: update:state (is_job_staff) vs update:stage (is_task_staff)',
    async () => {
      const user = other();
      if (!user) return;
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 'jobs', labels }, image());
      const jobId = ids((await admin.get('/api/jobs', { query: { task_id: task.id as number } })).body)[0]!;
      expect((await user.get(`/api/jobs/${jobId}`)).status).toBe(403);
      expect((await admin.patch(`/api/jobs/${jobId}`, { assignee: await userId(user) })).status).toBe(200);
      expect((await user.get(`/api/jobs/${jobId}`)).status).toBe(200);
      expect((await user.patch(`/api/jobs/${jobId}`, { state: 'in progress' })).status).toBe(200);
      expect((await user.patch(`/api/jobs/${jobId}`, { stage: 'validation' })).status).toBe(403);
      expect((await user.patch(`/api/jobs/${jobId}`, { assignee: null })).status).toBe(403);
    },
    120_000,
  );

  cvatCase(
    'memberships: workers change no role, maintainers change workers but not maintainers, members may leave',
    'cvat/apps/organizations/rules/memberships.rego: change:role, delete',
    async () => {
      const first = target().other(1);
      const second = target().other(2);
      if (!first || !second) return;
      const admin = target().admin;
      const { slug, orgId, membershipId: firstId } = await orgWithMember(target(), first, 'worker');
      const org = { org: slug };
      const secondSelf = (await second.get('/api/users/self')).body as { email: string };
      const inv = await admin.post('/api/invitations', { role: 'worker', email: secondSelf.email }, org);
      await second.post(`/api/invitations/${(inv.body as { key: string }).key}/accept`);
      const members = await admin.get('/api/memberships', { ...org, query: { user: second.username } });
      const secondId = (members.body as { results: Array<{ id: number }> }).results[0]!.id;

      expect((await first.patch(`/api/memberships/${secondId}`, { role: 'supervisor' }, org)).status).toBe(
        403,
      );
      expect((await admin.patch(`/api/memberships/${firstId}`, { role: 'maintainer' }, org)).status).toBe(
        200,
      );
      expect((await first.patch(`/api/memberships/${secondId}`, { role: 'supervisor' }, org)).status).toBe(
        200,
      );
      expect((await admin.patch(`/api/memberships/${secondId}`, { role: 'maintainer' }, org)).status).toBe(
        200,
      );
      expect((await first.patch(`/api/memberships/${secondId}`, { role: 'worker' }, org)).status).toBe(403);
      expect((await first.delete(`/api/memberships/${secondId}`, org)).status).toBe(403);
      // A member may leave.
      expect((await second.delete(`/api/memberships/${secondId}`, org)).status).toBe(204);
      // Now outside the organization: it exists, but may not be seen.
      expect((await second.get(`/api/organizations/${orgId}`)).status).toBe(403);
    },
  );

  cvatCase(
    "issues: seen and changed by the job's staff and the issue's owner or assignee, deleted by task staff or the owner",
    'cvat/apps/engine/rules/issues.rego: create@job, view, update, delete; comments.rego: create@issue, update',
    async () => {
      const user = other();
      if (!user) return;
      const admin = target().admin;
      const me = await userId(user);
      const task = await admin.taskWithImages({ name: 'issues', labels }, image());
      const jobs = await admin.get('/api/jobs', { query: { task_id: task.id as number } });
      const jobId = ids(jobs.body)[0]!;
      const issueOf = (s: Session) =>
        s.post('/api/issues', { job: jobId, frame: 0, position: [1, 1, 2, 2], message: 'look' });
      const issue = await issueOf(admin);
      expect(issue.status).toBe(201);
      const issueId = (issue.body as { id: number }).id;
      target().track(`/api/issues/${issueId}`, admin);
      expect((await user.get(`/api/issues/${issueId}`)).status).toBe(403);
      expect((await issueOf(user)).status).toBe(403);
      // The issue's assignee may see and change it, not delete it.
      expect((await admin.patch(`/api/issues/${issueId}`, { assignee: me })).status).toBe(200);
      expect((await user.get(`/api/issues/${issueId}`)).status).toBe(200);
      expect((await user.patch(`/api/issues/${issueId}`, { resolved: true })).status).toBe(200);
      expect((await user.delete(`/api/issues/${issueId}`)).status).toBe(403);
      // Comments: the issue's staff may comment and edit any comment of the issue.
      const comment = await admin.post('/api/comments', { issue: issueId, message: 'by admin' });
      expect(comment.status).toBe(201);
      const commentId = (comment.body as { id: number }).id;
      expect((await user.patch(`/api/comments/${commentId}`, { message: 'edited' })).status).toBe(200);
      expect((await user.post('/api/comments', { issue: issueId, message: 'reply' })).status).toBe(201);
      // The job's assignee may open issues, and delete their own.
      expect((await admin.patch(`/api/jobs/${jobId}`, { assignee: me })).status).toBe(200);
      const own = await issueOf(user);
      expect(own.status).toBe(201);
      expect((await user.delete(`/api/issues/${(own.body as { id: number }).id}`)).status).toBe(204);
    },
    120_000,
  );

  cvatCase(
    "labels: a job's assignee gets them through job_id, not in the plain list",
    'cvat/apps/engine/views.py: LabelViewSet.get_queryset; cvat/apps/engine/rules/labels.rego: filter',
    async () => {
      const user = other();
      if (!user) return;
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 'labels', labels }, image());
      const jobId = ids((await admin.get('/api/jobs', { query: { task_id: task.id as number } })).body)[0]!;
      expect((await user.get('/api/labels', { query: { job_id: jobId } })).status).toBe(403);
      expect((await admin.patch(`/api/jobs/${jobId}`, { assignee: await userId(user) })).status).toBe(200);
      const viaJob = await user.get('/api/labels', { query: { job_id: jobId } });
      expect(viaJob.status).toBe(200);
      expect(ids(viaJob.body)).toHaveLength(1);
      const plain = ids((await user.get('/api/labels', { query: { page_size: 100 } })).body);
      expect(plain).not.toContain(ids(viaJob.body)[0]);
      const both = await admin.get('/api/labels', { query: { job_id: jobId, task_id: task.id as number } });
      expect(both.status).toBe(400);
      expect(both.body).toEqual(['job_id, task_id and project_id parameters cannot be used together']);
    },
    120_000,
  );
});
