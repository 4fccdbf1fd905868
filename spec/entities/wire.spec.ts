import nock from 'nock';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { makeClient } from '../../src/client';
import type { CvatClient } from '../../src/client';
import * as s from '../client/samples';

const { HOST, page } = s;

describe('entities on the wire', () => {
  let client: CvatClient;
  beforeAll(() => nock.disableNetConnect());
  beforeEach(() => {
    client = makeClient({
      host: HOST,
      credentials: { token: 'pat' },
      organization: 'acme',
      config: { transport: { retry: { maxAttempts: 1 } }, polling: { minDelayMs: 0, maxDelayMs: 0 } },
    });
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  const retrieveTask = async (extra: Record<string, unknown> = {}) => {
    nock(HOST).get('/api/tasks/1').reply(200, s.task(1, extra));
    return firstValueFrom(client.tasks.retrieve(1));
  };

  describe('snapshots', () => {
    it('expose the decoded fields as readonly properties and the related lists as methods', async () => {
      const task = await retrieveTask({ size: 12, project_id: 3 });
      expect(task.name).toBe('task 1');
      expect(task.size).toBe(12);
      expect(task.project_id).toBe(3);
      expect(task.model.jobs).toEqual({ count: 0, completed: 0, validation: 0 });
      expect(typeof task.jobs).toBe('function');
      expect(Object.isFrozen(task)).toBe(true);
    });

    it('fetch() emits a new snapshot and leaves the old one as it was', async () => {
      const task = await retrieveTask();
      const sc = nock(HOST)
        .get('/api/tasks/1')
        .reply(200, s.task(1, { name: 'renamed elsewhere' }));
      const fresh = await firstValueFrom(task.fetch());
      expect(fresh.name).toBe('renamed elsewhere');
      expect(task.name).toBe('task 1');
      expect(fresh).not.toBe(task);
      expect(sc.isDone()).toBe(true);
    });

    it('update(patch) sends PATCH with the patch and emits the server answer as a new snapshot', async () => {
      const task = await retrieveTask();
      const sc = nock(HOST)
        .patch('/api/tasks/1', { name: 'mytask' })
        .reply(200, s.task(1, { name: 'mytask' }));
      const updated = await firstValueFrom(task.update({ name: 'mytask' }));
      expect(updated.name).toBe('mytask');
      expect(task.name).toBe('task 1');
      expect(sc.isDone()).toBe(true);
    });

    it('remove() sends DELETE and emits once', async () => {
      const task = await retrieveTask();
      const sc = nock(HOST).delete('/api/tasks/1').reply(204);
      await expect(lastValueFrom(task.remove().pipe(toArray()))).resolves.toEqual([undefined]);
      expect(sc.isDone()).toBe(true);
    });

    it('a body without an id is a DecodeError', async () => {
      nock(HOST)
        .get('/api/tasks/1')
        .reply(200, { name: 'x', jobs: { completed: 0, validation: 0 }, labels: {} });
      await expect(firstValueFrom(client.tasks.retrieve(1))).rejects.toMatchObject({ name: 'DecodeError' });
    });

    it('a field of the wrong type is a DecodeError naming its path', async () => {
      nock(HOST)
        .get('/api/tasks/1')
        .reply(200, s.task(1, { size: 'big' }));
      await expect(firstValueFrom(client.tasks.retrieve(1))).rejects.toMatchObject({
        name: 'DecodeError',
        issues: [expect.stringContaining('size')],
      });
    });
  });

  describe('related lists leave out the organization context and name the parent', () => {
    const list = (path: string, query: Record<string, string>, body: nock.Body) =>
      nock(HOST, { badheaders: ['x-organization'] })
        .get(path)
        .query({ ...query, page: '1', page_size: '100' })
        .reply(200, body);

    it('task.jobs() and task.labels()', async () => {
      const task = await retrieveTask();
      const sc = list('/api/jobs', { task_id: '1', stage: 'annotation' }, page([s.job(5)]));
      const sc2 = list('/api/labels', { task_id: '1' }, page([s.label(6)]));
      const jobs = await lastValueFrom(task.jobs({ stage: 'annotation' }).pipe(toArray()));
      const labels = await lastValueFrom(task.labels().pipe(toArray()));
      expect(jobs.map((j) => j.id)).toEqual([5]);
      expect(labels.map((l) => l.name)).toEqual(['label 6']);
      expect(sc.isDone() && sc2.isDone()).toBe(true);
    });

    it('the parent id wins over a field filter of the same name', async () => {
      const task = await retrieveTask();
      const sc = list('/api/jobs', { task_id: '1' }, page([]));
      await lastValueFrom(task.jobs({ task_id: 99 }).pipe(toArray()));
      expect(sc.isDone()).toBe(true);
    });

    it('project.tasks() and project.labels()', async () => {
      nock(HOST).get('/api/projects/2').reply(200, s.project(2));
      const project = await firstValueFrom(client.projects.retrieve(2));
      const sc = list('/api/tasks', { project_id: '2' }, page([s.task(7)]));
      const sc2 = list('/api/labels', { project_id: '2' }, page([s.label(1)]));
      expect((await lastValueFrom(project.tasks().pipe(toArray()))).map((t) => t.id)).toEqual([7]);
      expect((await lastValueFrom(project.labels().pipe(toArray()))).length).toBe(1);
      expect(sc.isDone() && sc2.isDone()).toBe(true);
    });

    it('job.issues(), job.labels() and issue.comments()', async () => {
      nock(HOST).get('/api/jobs/3').reply(200, s.job(3));
      const job = await firstValueFrom(client.jobs.retrieve(3));
      const sc = list('/api/issues', { job_id: '3' }, page([s.issue(8)]));
      const sc2 = list('/api/labels', { job_id: '3' }, page([]));
      const [issue] = await lastValueFrom(job.issues().pipe(toArray()));
      await lastValueFrom(job.labels().pipe(toArray()));
      const sc3 = list('/api/comments', { issue_id: '8' }, page([s.comment(9)]));
      const comments = await lastValueFrom(issue!.comments().pipe(toArray()));
      expect(comments.map((c) => c.message)).toEqual(['hi']);
      expect(sc.isDone() && sc2.isDone() && sc3.isDone()).toBe(true);
    });

    it('organization.members() and organization.invitations() name the organization by org_id', async () => {
      nock(HOST).get('/api/organizations/4').reply(200, s.organization(4));
      const org = await firstValueFrom(client.organizations.retrieve(4));
      const sc = list('/api/memberships', { org_id: '4' }, page([s.membership(1)]));
      const sc2 = list('/api/invitations', { org_id: '4' }, page([s.invitation('abc')]));
      expect((await lastValueFrom(org.members().pipe(toArray()))).map((m) => m.role)).toEqual(['worker']);
      expect((await lastValueFrom(org.invitations().pipe(toArray()))).map((i) => i.id)).toEqual(['abc']);
      expect(sc.isDone() && sc2.isDone()).toBe(true);
    });
  });

  describe('invitations', () => {
    it('accept(), decline() and resend() post to their actions outside the organization', async () => {
      nock(HOST).get('/api/invitations/abc').reply(200, s.invitation('abc'));
      const invitation = await firstValueFrom(client.invitations.retrieve('abc'));
      const sc = nock(HOST, { badheaders: ['x-organization'] })
        .post('/api/invitations/abc/accept')
        .reply(200, { organization_slug: 'org1' })
        .post('/api/invitations/abc/decline')
        .reply(204)
        .post('/api/invitations/abc/resend')
        .reply(204);
      await expect(firstValueFrom(invitation.accept())).resolves.toEqual({ organization_slug: 'org1' });
      await expect(firstValueFrom(invitation.decline())).resolves.toBeUndefined();
      await expect(firstValueFrom(invitation.resend())).resolves.toBeUndefined();
      expect(sc.isDone()).toBe(true);
    });
  });

  describe('annotations', () => {
    const shape = (id: number) => ({
      id,
      type: 'rectangle' as const,
      frame: 0,
      label_id: 1,
      points: [0, 0, 1, 1],
      occluded: false,
      z_order: 0,
      group: 0,
      source: 'manual' as const,
      attributes: [],
      elements: [],
      rotation: 0,
      outside: false,
    });
    const data = { version: 3, tags: [], shapes: [shape(1), shape(2)], tracks: [] };
    const { id: _id, ...newShape } = shape(1);

    it.each([
      ['task', '/api/tasks/1', async (c: CvatClient) => retrieveTaskOf(c)],
      ['job', '/api/jobs/1', async (c: CvatClient) => retrieveJobOf(c)],
    ] as const)('on a %s: get, set, update(action), remove all', async (_kind, base, get) => {
      const owner = await get(client);
      const sc = nock(HOST)
        .get(`${base}/annotations/`)
        .reply(200, data)
        // PUT and PATCH create go without ids: CVAT refuses them ("must be absent").
        .put(`${base}/annotations/`, { ...data, shapes: [newShape, newShape] })
        .reply(200)
        .patch(`${base}/annotations/`, { shapes: [newShape] })
        .query({ action: 'create' })
        .reply(200, { version: 4, shapes: [shape(1)] })
        .patch(`${base}/annotations/`, { shapes: [shape(1)] })
        .query({ action: 'update' })
        .reply(200, { version: 0, shapes: [shape(1)] })
        .delete(`${base}/annotations/`)
        .reply(204);
      expect((await firstValueFrom(owner.getAnnotations())).shapes).toHaveLength(2);
      await expect(firstValueFrom(owner.setAnnotations(data))).resolves.toBeUndefined();
      expect((await firstValueFrom(owner.updateAnnotations({ shapes: [shape(1)] }, 'create'))).version).toBe(
        4,
      );
      // update keeps the ids: they name the objects to change.
      await firstValueFrom(owner.updateAnnotations({ shapes: [shape(1)] }, 'update'));
      await expect(firstValueFrom(owner.removeAnnotations())).resolves.toBeUndefined();
      expect(sc.isDone()).toBe(true);
    });

    it('setAnnotations drops the ids of skeleton elements and tracked shapes too', async () => {
      const task = await retrieveTask();
      const skeleton = {
        ...shape(5),
        type: 'skeleton' as const,
        points: [],
        elements: [{ ...shape(6), type: 'points' as const, points: [1, 1] }],
      };
      const track = {
        id: 7,
        frame: 0,
        label_id: 1,
        group: 0,
        source: 'manual' as const,
        attributes: [{ spec_id: 3, value: 'x' }],
        shapes: [{ id: 8, type: 'rectangle' as const, frame: 0, points: [0, 0, 1, 1], attributes: [] }],
        elements: [],
      };
      const { id: _s, elements: _e, ...skeletonRest } = skeleton;
      const { id: _p, ...elementRest } = skeleton.elements[0]!;
      const sc = nock(HOST)
        .put('/api/tasks/1/annotations/', {
          version: 0,
          tags: [],
          shapes: [{ ...skeletonRest, elements: [elementRest] }],
          tracks: [
            {
              frame: 0,
              label_id: 1,
              group: 0,
              source: 'manual',
              attributes: [{ spec_id: 3, value: 'x' }],
              shapes: [{ type: 'rectangle', frame: 0, points: [0, 0, 1, 1], attributes: [] }],
              elements: [],
            },
          ],
        })
        .reply(200);
      await firstValueFrom(
        task.setAnnotations({ version: 0, tags: [], shapes: [skeleton], tracks: [track] }),
      );
      expect(sc.isDone()).toBe(true);
    });

    it('removeAnnotations(ids) reads, then deletes only the matching objects', async () => {
      const task = await retrieveTask();
      const sc = nock(HOST)
        .get('/api/tasks/1/annotations/')
        .reply(200, data)
        .patch('/api/tasks/1/annotations/', { version: 3, tags: [], shapes: [shape(2)], tracks: [] })
        .query({ action: 'delete' })
        .reply(200, { version: 4 });
      await firstValueFrom(task.removeAnnotations([2, 42]));
      expect(sc.isDone()).toBe(true);
    });

    it('removeAnnotations(ids) sends nothing more when no id matches', async () => {
      const task = await retrieveTask();
      const sc = nock(HOST).get('/api/tasks/1/annotations/').reply(200, data);
      await expect(firstValueFrom(task.removeAnnotations([42]))).resolves.toBeUndefined();
      expect(sc.isDone()).toBe(true);
    });
  });

  async function retrieveTaskOf(c: CvatClient) {
    nock(HOST).get('/api/tasks/1').reply(200, s.task(1));
    return firstValueFrom(c.tasks.retrieve(1));
  }
  async function retrieveJobOf(c: CvatClient) {
    nock(HOST).get('/api/jobs/1').reply(200, s.job(1));
    return firstValueFrom(c.jobs.retrieve(1));
  }
});
