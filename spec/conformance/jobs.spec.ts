import { png } from '../emulator/helpers';
import { results } from './support/orgs';
import { cvatCase, useTarget } from './support/target';

interface Job {
  id: number;
  type: string;
  parent_job_id: number | null;
  start_frame: number;
  stop_frame: number;
  frame_count: number;
  stage: string;
  state: string;
  status: string;
}

/** Jobs (#15, divergence 5): listing, ground-truth jobs, meta frame numbers, stage and state. */
describe('conformance: jobs', () => {
  const target = useTarget();
  const labels = [{ name: 'car' }];
  const images = (n: number): Array<[string, Buffer]> =>
    Array.from({ length: n }, (_, i): [string, Buffer] => [`${i}.png`, png(8, 8, 0x10 * (i + 1))]);

  async function jobsOf(taskId: number): Promise<Job[]> {
    const r = await target().admin.get('/api/jobs', {
      query: { task_id: taskId, sort: 'id', page_size: 100 },
    });
    return results<Job>(r.body);
  }

  const gt = (taskId: number, extra: Record<string, unknown>) =>
    target().admin.post('/api/jobs', { type: 'ground_truth', task_id: taskId, ...extra });

  cvatCase(
    'GET /api/jobs lists consensus replicas like any job',
    'cvat/apps/engine/views.py: JobViewSet.get_queryset (no type filter); ../shared/cvat/fixtures/jobs.json',
    async () => {
      const task = await target().admin.taskWithImages(
        { name: 'consensus', labels, consensus_replicas: 2 },
        images(2),
      );
      const jobs = await jobsOf(task.id as number);
      const parent = jobs.find((j) => j.type === 'annotation')!;
      expect(jobs.map((j) => j.type).sort()).toEqual([
        'annotation',
        'consensus_replica',
        'consensus_replica',
      ]);
      for (const r of jobs.filter((j) => j.type === 'consensus_replica'))
        expect(r.parent_job_id).toBe(parent.id);
    },
    120_000,
  );

  cvatCase(
    'a random ground-truth job needs exactly one of frame_count or frame_share',
    'cvat/apps/engine/serializers.py: JobWriteSerializer.validate (field_validation.require_one_of_fields)',
    async () => {
      const task = await target().admin.taskWithImages({ name: 'gt-count', labels }, images(3));
      const none = await gt(task.id as number, { frame_selection_method: 'random_uniform' });
      expect(none.status).toBe(400);
      expect(none.body).toEqual(['One of the fields "frame_count", "frame_share" required']);
      const both = await gt(task.id as number, {
        frame_selection_method: 'random_uniform',
        frame_count: 1,
        frame_share: 0.5,
      });
      expect(both.status).toBe(400);
      expect(both.body).toEqual(['Only 1 of the fields "frame_count", "frame_share" can be used']);
      const tooMany = await gt(task.id as number, {
        frame_selection_method: 'random_uniform',
        frame_count: 4,
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toEqual([
        'The number of frames requested (4) must not be greater than the number of the task frames (3)',
      ]);
      const ok = await gt(task.id as number, { frame_selection_method: 'random_uniform', frame_count: 2 });
      expect(ok.status).toBe(201);
      expect((ok.body as Job).frame_count).toBe(2);
    },
    120_000,
  );

  cvatCase(
    'a manual ground-truth job refuses repeated and out-of-range frames',
    'cvat/apps/engine/serializers.py: JobWriteSerializer.create (manual frame selection)',
    async () => {
      const task = await target().admin.taskWithImages({ name: 'gt-frames', labels }, images(3));
      const repeated = await gt(task.id as number, { frame_selection_method: 'manual', frames: [0, 1, 1] });
      expect(repeated.status).toBe(400);
      expect(repeated.body).toEqual(['Frames must not repeat']);
      const outside = await gt(task.id as number, { frame_selection_method: 'manual', frames: [0, 5, 3] });
      expect(outside.status).toBe(400);
      expect(outside.body).toEqual(['The following frames do not exist in the task: 3, 5']);
      const missing = await gt(task.id as number, { frame_selection_method: 'manual' });
      expect(missing.body).toEqual(['The "frames" field is required']);
    },
    120_000,
  );

  cvatCase(
    'a ground-truth job spans the whole task in start/stop and meta, holding only its frames',
    'cvat/apps/engine/serializers.py: JobWriteSerializer.create (Segment start_frame=0, stop_frame=size-1); views.py JobViewSet.metadata',
    async () => {
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 'gt-span', labels, segment_size: 2 }, images(5));
      const created = await gt(task.id as number, { frame_selection_method: 'manual', frames: [3, 1] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        type: 'ground_truth',
        start_frame: 0,
        stop_frame: 4,
        frame_count: 2,
      });
      const meta = (await admin.get(`/api/jobs/${(created.body as Job).id}/data/meta`)).body as Record<
        string,
        unknown
      >;
      expect(meta).toMatchObject({ start_frame: 0, stop_frame: 4, size: 2, included_frames: [1, 3] });
      expect((meta.frames as unknown[]).length).toBe(5);
      const again = await gt(task.id as number, { frame_selection_method: 'manual', frames: [0] });
      expect(again.status).toBe(400);
      expect(again.body).toEqual(['Task with validation mode "gt" cannot have more than 1 GT job']);
    },
    120_000,
  );

  cvatCase(
    'job meta uses absolute media frame numbers (start_frame and frame step of the task)',
    'cvat/apps/engine/views.py: JobViewSet.metadata (data_start_frame = data.start_frame + start * step)',
    async () => {
      const admin = target().admin;
      // Frames 1, 3, 5 of seven images; jobs of two frames: [1, 3] and [5].
      const task = await admin.taskWithImages({ name: 'meta', labels, segment_size: 2 }, images(7), {
        start_frame: '1',
        frame_filter: 'step=2',
      });
      expect(task.size).toBe(3);
      const jobs = (await jobsOf(task.id as number)).filter((j) => j.type === 'annotation');
      expect(jobs.map((j) => [j.start_frame, j.stop_frame])).toEqual([
        [0, 1],
        [2, 2],
      ]);
      const metas = await Promise.all(
        jobs.map(
          async (j) => (await admin.get(`/api/jobs/${j.id}/data/meta`)).body as Record<string, unknown>,
        ),
      );
      expect(metas.map((m) => [m.start_frame, m.stop_frame, m.size])).toEqual([
        [1, 3, 2],
        [5, 5, 1],
      ]);
      const created = await gt(task.id as number, { frame_selection_method: 'manual', frames: [0, 2] });
      const meta = (await admin.get(`/api/jobs/${(created.body as Job).id}/data/meta`)).body as Record<
        string,
        unknown
      >;
      expect(meta).toMatchObject({ start_frame: 1, stop_frame: 5, included_frames: [1, 5] });
    },
    120_000,
  );

  cvatCase(
    'stage acceptance not completed reports status validation; the same stage again keeps the state',
    'cvat/apps/engine/serializers.py: JobWriteSerializer.update',
    async () => {
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 'stage', labels }, images(1));
      const id = (await jobsOf(task.id as number))[0]!.id;
      const patch = async (body: Record<string, unknown>): Promise<Job> => {
        const r = await admin.patch(`/api/jobs/${id}`, body);
        expect(r.status).toBe(200);
        return r.body as Job;
      };
      expect(await patch({ state: 'in progress' })).toMatchObject({
        stage: 'annotation',
        state: 'in progress',
        status: 'annotation',
      });
      // Sending the same stage keeps the state...
      expect(await patch({ stage: 'annotation' })).toMatchObject({
        state: 'in progress',
        status: 'annotation',
      });
      // ...a new stage resets it to "new".
      expect(await patch({ stage: 'acceptance' })).toMatchObject({
        stage: 'acceptance',
        state: 'new',
        status: 'validation',
      });
      expect(await patch({ state: 'in progress' })).toMatchObject({ status: 'validation' });
      expect(await patch({ state: 'completed' })).toMatchObject({ status: 'completed' });
      expect(await patch({ stage: 'validation', state: 'completed' })).toMatchObject({
        status: 'validation',
      });
    },
    120_000,
  );

  cvatCase(
    'only ground-truth jobs can be deleted (400 for others)',
    'cvat/apps/engine/views.py: JobViewSet.perform_destroy',
    async () => {
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 'delete', labels }, images(1));
      const id = (await jobsOf(task.id as number))[0]!.id;
      const r = await admin.delete(`/api/jobs/${id}`);
      expect(r.status).toBe(400);
      expect(r.body).toEqual(['Only ground truth jobs can be removed']);
    },
    120_000,
  );
});
