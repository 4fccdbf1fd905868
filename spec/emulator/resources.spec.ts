import type { RunningEmulator } from '../../src/emulator';
import { Api, obj, png, results, withEmulator } from './helpers';

describe('emulator: projects, tasks, jobs, labels, issues, comments, users', () => {
  let emu: RunningEmulator;
  let api: Api;

  beforeEach(async () => {
    ({ emu, api } = await withEmulator({
      users: [
        { username: 'admin', password: 'admin', is_superuser: true },
        { username: 'bob', password: 'bob', email: 'bob@example.com', first_name: 'Bob' },
      ],
    }));
  });
  afterEach(() => emu.close());

  it('creates a project with labels, attributes and skeleton sublabels; tasks inherit them', async () => {
    const p = await api.post('/api/projects', {
      name: 'proj',
      labels: [
        {
          name: 'car',
          attributes: [{ name: 'color', mutable: true, input_type: 'select', values: ['red', 'blue'] }],
        },
        {
          name: 'person',
          type: 'skeleton',
          svg: '<circle/>',
          sublabels: [
            { name: 'head', type: 'points' },
            { name: 'foot', type: 'points' },
          ],
        },
      ],
    });
    expect(p.status).toBe(201);
    const project = obj(p.body);
    expect(project).toMatchObject({
      name: 'proj',
      status: 'annotation',
      tasks: { count: 0, url: `${emu.url}/api/tasks?project_id=${String(project.id)}` },
    });
    const labels = results((await api.get(`/api/labels?project_id=${String(project.id)}`)).body);
    expect(labels.map((l) => l.name)).toEqual(['car', 'person']);
    expect(labels[0]).toMatchObject({
      attributes: [
        { name: 'color', input_type: 'select', default_value: 'red', values: ['red', 'blue'], mutable: true },
      ],
      project_id: project.id,
    });
    expect(labels[1]).toMatchObject({
      type: 'skeleton',
      svg: '<circle/>',
      sublabels: [
        expect.objectContaining({ name: 'head', has_parent: true }),
        expect.objectContaining({ name: 'foot' }),
      ],
    });
    const t = await api.post('/api/tasks', { name: 'task', project_id: project.id });
    expect(t.status).toBe(201);
    expect(obj(t.body)).toMatchObject({
      project_id: project.id,
      project_name: 'proj',
      size: 0,
      status: 'annotation',
      jobs: { count: 0, completed: 0, validation: 0 },
    });
    const taskLabels = results((await api.get(`/api/labels?task_id=${String(obj(t.body).id)}`)).body);
    expect(taskLabels.map((l) => l.name)).toEqual(['car', 'person']);
    const both = await api.post('/api/tasks', { name: 'x', project_id: project.id, labels: [{ name: 'y' }] });
    expect(both.status).toBe(400);
    expect(obj((await api.get(`/api/projects/${String(project.id)}`)).body).tasks).toMatchObject({
      count: 1,
    });
  });

  it('validates input with CVAT field errors', async () => {
    const r = await api.post('/api/tasks', { labels: [] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ name: ['This field is required.'] });
    const dup = await api.post('/api/projects', { name: 'p', labels: [{ name: 'a' }, { name: 'a' }] });
    expect(dup.status).toBe(400);
    const badJson = await api.call('POST', '/api/projects', {
      body: '{',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(obj(badJson.body).detail).toMatch(/JSON parse error/);
  });

  it('updates and deletes tasks, projects and labels', async () => {
    const task = obj(
      (await api.post('/api/tasks', { name: 'a', labels: [{ name: 'l1' }, { name: 'l2' }] })).body,
    );
    const patched = await api.patch(`/api/tasks/${String(task.id)}`, {
      name: 'b',
      assignee_id: 2,
      labels: [{ name: 'l3' }],
    });
    expect(obj(patched.body)).toMatchObject({
      name: 'b',
      assignee: expect.objectContaining({ username: 'bob' }),
      assignee_updated_date: expect.any(String),
    });
    const labels = results((await api.get(`/api/labels?task_id=${String(task.id)}`)).body);
    expect(labels.map((l) => l.name)).toEqual(['l1', 'l2', 'l3']);
    expect(
      obj((await api.patch(`/api/labels/${String(labels[0]!.id)}`, { name: 'renamed' })).body).name,
    ).toBe('renamed');
    expect((await api.delete(`/api/labels/${String(labels[1]!.id)}`)).status).toBe(204);
    expect(results((await api.get(`/api/labels?task_id=${String(task.id)}`)).body)).toHaveLength(2);
    expect((await api.delete(`/api/tasks/${String(task.id)}`)).status).toBe(204);
    expect((await api.get(`/api/tasks/${String(task.id)}`)).status).toBe(404);
    expect((await api.get(`/api/tasks/${String(task.id)}`)).body).toEqual({ detail: 'Not found.' });
  });

  it('splits a task into jobs and updates job stage, state and assignee', async () => {
    const task = await api.taskWithImages(
      { name: 'seg', labels: [{ name: 'a' }], segment_size: 3 },
      Array.from({ length: 7 }, (_, i): [string, Buffer] => [`${i}.png`, png(4, 4)]),
    );
    expect(task).toMatchObject({ size: 7, segment_size: 3, jobs: expect.objectContaining({ count: 3 }) });
    const jobs = results((await api.get(`/api/jobs?task_id=${String(task.id)}&sort=id`)).body);
    expect(jobs.map((j) => [j.start_frame, j.stop_frame, j.frame_count])).toEqual([
      [0, 2, 3],
      [3, 5, 3],
      [6, 6, 1],
    ]);
    expect(jobs[0]).toMatchObject({
      type: 'annotation',
      stage: 'annotation',
      state: 'new',
      task_id: task.id,
      dimension: '2d',
      issues: { count: 0 },
    });
    const j = await api.patch(`/api/jobs/${String(jobs[0]!.id)}`, {
      stage: 'validation',
      state: 'in progress',
      assignee: 2,
    });
    expect(obj(j.body)).toMatchObject({
      stage: 'validation',
      state: 'in progress',
      status: 'validation',
      assignee: expect.objectContaining({ id: 2 }),
    });
    const bad = await api.patch(`/api/jobs/${String(jobs[0]!.id)}`, { stage: 'nope' });
    expect(bad.status).toBe(400);
    const gt = await api.post('/api/jobs', {
      type: 'ground_truth',
      task_id: task.id,
      frame_selection_method: 'manual',
      frames: [1, 5],
    });
    expect(gt.status).toBe(201);
    // A ground-truth job spans the whole task; frame_count says how many frames it holds.
    expect(obj(gt.body)).toMatchObject({
      type: 'ground_truth',
      start_frame: 0,
      stop_frame: 6,
      frame_count: 2,
    });
    const meta = obj((await api.get(`/api/jobs/${String(obj(gt.body).id)}/data/meta`)).body);
    expect(meta).toMatchObject({ included_frames: [1, 5], size: 2, start_frame: 0, stop_frame: 6 });
    expect(obj((await api.get(`/api/tasks/${String(task.id)}`)).body).validation_mode).toBe('gt');
  });

  it('creates consensus replicas next to annotation jobs', async () => {
    const task = await api.taskWithImages({ name: 'cons', labels: [{ name: 'a' }], consensus_replicas: 2 }, [
      ['0.png', png(4, 4)],
    ]);
    expect(task.consensus_enabled).toBe(true);
    // Replicas are listed like any job (fixtures/jobs.json).
    expect(results((await api.get(`/api/jobs?task_id=${String(task.id)}`)).body)).toHaveLength(3);
    const replicas = results(
      (await api.get(`/api/jobs?task_id=${String(task.id)}&type=consensus_replica`)).body,
    );
    expect(replicas).toHaveLength(2);
    expect(replicas[0]!.parent_job_id).toEqual(expect.any(Number));
  });

  it('handles issues and comments', async () => {
    const task = await api.taskWithImages({ name: 'iss', labels: [{ name: 'a' }] }, [
      ['0.png', png(4, 4)],
      ['1.png', png(4, 4)],
    ]);
    const job = results((await api.get(`/api/jobs?task_id=${String(task.id)}`)).body)[0]!;
    const issue = await api.post('/api/issues', {
      job: job.id,
      frame: 1,
      position: [1, 2, 3, 4],
      message: 'first',
    });
    expect(issue.status).toBe(201);
    const i = obj(issue.body);
    expect(i).toMatchObject({
      job: job.id,
      frame: 1,
      resolved: false,
      comments: { count: 1 },
      owner: expect.objectContaining({ username: 'admin' }),
    });
    const c = await api.post('/api/comments', { issue: i.id, message: 'second' });
    expect(obj(c.body)).toMatchObject({ issue: i.id, message: 'second' });
    expect(
      results((await api.get(`/api/comments?issue_id=${String(i.id)}`)).body)
        .map((x) => x.message)
        .sort(),
    ).toEqual(['first', 'second']);
    expect(obj((await api.patch(`/api/issues/${String(i.id)}`, { resolved: true })).body).resolved).toBe(
      true,
    );
    expect(obj((await api.get(`/api/jobs/${String(job.id)}`)).body).issues).toMatchObject({ count: 1 });
    expect(
      (await api.post('/api/issues', { job: job.id, frame: 9, position: [1, 2], message: 'x' })).status,
    ).toBe(400);
    expect((await api.delete(`/api/issues/${String(i.id)}`)).status).toBe(204);
    expect(results((await api.get('/api/comments')).body)).toEqual([]);
  });

  it('lists users; non-admins see others as BasicUser', async () => {
    const all = results((await api.get('/api/users')).body);
    // UserViewSet.ordering = -id
    expect(all.map((u) => u.username)).toEqual(['bob', 'admin']);
    const bob = new Api(emu.url, { Authorization: `Basic ${Buffer.from('bob:bob').toString('base64')}` });
    const seen = results((await bob.get('/api/users')).body);
    expect(Object.keys(seen[1]!).sort()).toEqual(['first_name', 'id', 'last_name', 'url', 'username']);
    expect(seen[0]).toHaveProperty('email', 'bob@example.com');
    expect(obj((await bob.patch('/api/users/2', { last_name: 'B' })).body).last_name).toBe('B');
    expect((await bob.patch('/api/users/1', { last_name: 'B' })).status).toBe(403);
  });
});
