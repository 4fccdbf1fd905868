import { png } from '../emulator/helpers';
import { dataAndWait, emptyTask, images, postData } from './support/data';
import { cvatCase, useTarget } from './support/target';

/** Task and data validation (#15 divergence 3): what CVAT 2.73.1 refuses, and when. */
describe('conformance: task and data validation', () => {
  const target = useTarget();
  const two = (): Array<[string, Buffer]> => images(2, (i) => png(4, 4, 10 * i));

  cvatCase(
    'a data request without image_quality is accepted, then its processing fails',
    'cvat/apps/engine/task.py initialize_task: "The \'image_quality\' parameter is required"',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const rq = await dataAndWait(admin, id, two(), {});
      expect(rq.status).toBe('failed');
      expect(String(rq.message)).toContain("The 'image_quality' parameter is required");
    },
  );

  cvatCase(
    'chunk_size 0 is refused at once',
    'cvat/apps/engine/serializers.py DataSerializer.validate_chunk_size',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const r = await postData(admin, id, two(), { image_quality: '70', chunk_size: '0' });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ chunk_size: ['Chunk size must be a positive integer'] });
    },
  );

  cvatCase(
    'start_frame after stop_frame is refused at once, as a non-field error',
    'cvat/apps/engine/serializers.py DataSerializer.validate',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const r = await postData(admin, id, two(), { image_quality: '70', start_frame: '1', stop_frame: '0' });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ non_field_errors: ['Stop frame must be more or equal start frame'] });
    },
  );

  cvatCase(
    'a file repeated in job_file_mapping is refused at once',
    'cvat/apps/engine/serializers.py DataSerializer.validate_job_file_mapping',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const r = await postData(admin, id, two(), {
        image_quality: '70',
        job_file_mapping: JSON.stringify([['000.png'], ['001.png', '000.png']]),
      });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        job_file_mapping: ["The same file '000.png' cannot be used multiple times in the job file mapping"],
      });
    },
  );

  cvatCase(
    'job_file_mapping orders the frames and makes one job per entry',
    'cvat/apps/engine/task.py _generate_segment_params (job_file_mapping)',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const rq = await dataAndWait(
        admin,
        id,
        images(3, (i) => png(4, 4, 10 * i)),
        {
          image_quality: '70',
          job_file_mapping: JSON.stringify([['002.png'], ['000.png', '001.png']]),
        },
      );
      expect(rq.status).toBe('finished');
      const meta = (await admin.get(`/api/tasks/${id}/data/meta`)).body as {
        frames: Array<{ name: string }>;
      };
      expect(meta.frames.map((f) => f.name)).toEqual(['002.png', '000.png', '001.png']);
      const jobs = (await admin.get('/api/jobs', { query: { task_id: id, sort: 'id' } })).body as {
        results: Array<{ start_frame: number; stop_frame: number }>;
      };
      expect(jobs.results.map((j) => [j.start_frame, j.stop_frame])).toEqual([
        [0, 0],
        [1, 2],
      ]);
    },
  );

  cvatCase(
    'with sorting_method=predefined, files that do not match upload_file_order are refused at once',
    'cvat/apps/engine/views.py TaskViewSet._sort_uploaded_files',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const r = await postData(admin, id, two(), {
        image_quality: '70',
        sorting_method: 'predefined',
        'upload_file_order[0]': '001.png',
        'upload_file_order[1]': 'other.png',
      });
      expect(r.status).toBe(400);
      const body = r.body as string[];
      expect(body).toHaveLength(1);
      expect(body[0]).toMatch(/^Uploaded files do not match the 'upload_file_order' field contents\./);
      expect(body[0]).toContain('000.png (extra)');
      expect(body[0]).toContain('other.png (missing)');
    },
  );

  cvatCase(
    'with sorting_method=predefined, upload_file_order gives the frame order',
    'cvat/apps/engine/views.py TaskViewSet.upload_finished (_sort_uploaded_files)',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const rq = await dataAndWait(admin, id, two(), {
        image_quality: '70',
        sorting_method: 'predefined',
        'upload_file_order[0]': '001.png',
        'upload_file_order[1]': '000.png',
      });
      expect(rq.status).toBe('finished');
      const meta = (await admin.get(`/api/tasks/${id}/data/meta`)).body as {
        frames: Array<{ name: string }>;
      };
      expect(meta.frames.map((f) => f.name)).toEqual(['001.png', '000.png']);
    },
  );

  cvatCase(
    'consensus_replicas of 1 or above 11 is refused',
    'cvat/apps/engine/serializers.py TaskWriteSerializer.validate_consensus_replicas',
    async () => {
      const admin = target().admin;
      for (const n of [1, 12]) {
        const r = await admin.post('/api/tasks', {
          name: target().name('consensus'),
          labels: [{ name: 'car' }],
          consensus_replicas: n,
        });
        expect(r.status).toBe(400);
        expect(r.body).toEqual({
          consensus_replicas: [
            `Consensus replicas must be 0 or a positive number more than 1 and less than 12, got ${n}`,
          ],
        });
      }
      const ok = await admin.post('/api/tasks', {
        name: target().name('consensus'),
        labels: [{ name: 'car' }],
        consensus_replicas: 11,
      });
      expect(ok.status).toBe(201);
    },
  );

  cvatCase(
    'duplicate attribute names in a label are refused, and nothing is created',
    'cvat/apps/engine/serializers.py LabelSerializer.check_attribute_names_unique',
    async () => {
      const admin = target().admin;
      const name = target().name('dup-attrs');
      const attribute = { name: 'color', mutable: false, input_type: 'text', values: [] };
      for (const path of ['/api/tasks', '/api/projects']) {
        const r = await admin.post(path, {
          name,
          labels: [{ name: 'car', attributes: [attribute, attribute] }],
        });
        expect(r.status).toBe(400);
        expect(r.body).toEqual(["Duplicate attribute with name 'color' exists"]);
      }
      const tasks = (await admin.get('/api/tasks', { query: { name } })).body as { count: number };
      expect(tasks.count).toBe(0);
    },
  );

  cvatCase(
    'frame_filter accepts "step = N" (spaces allowed) and keeps the text; anything else is refused',
    'cvat/apps/engine/serializers.py DataSerializer.validate_frame_filter',
    async () => {
      const admin = target().admin;
      const bad = await postData(admin, await emptyTask(admin), two(), {
        image_quality: '70',
        frame_filter: 'every=2',
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ frame_filter: ['Invalid frame filter expression'] });
      const id = await emptyTask(admin);
      const rq = await dataAndWait(
        admin,
        id,
        images(5, (i) => png(4, 4, 10 * i)),
        {
          image_quality: '70',
          frame_filter: 'step = 2',
        },
      );
      expect(rq.status).toBe('finished');
      const meta = (await admin.get(`/api/tasks/${id}/data/meta`)).body as Record<string, unknown>;
      expect(meta.frame_filter).toBe('step = 2');
      expect(meta.size).toBe(3);
      expect((meta.frames as Array<{ name: string }>).map((f) => f.name)).toEqual([
        '000.png',
        '002.png',
        '004.png',
      ]);
    },
  );

  cvatCase(
    'overlap is capped at segment_size // 2',
    'cvat/apps/engine/task.py _generate_segment_params',
    async () => {
      const admin = target().admin;
      const task = await admin.taskWithImages(
        { name: 'overlap', labels: [{ name: 'car' }], segment_size: 4, overlap: 3 },
        images(8, (i) => png(4, 4, 10 * i)),
      );
      expect(task.overlap).toBe(2);
      const jobs = (await admin.get('/api/jobs', { query: { task_id: Number(task.id), sort: 'id' } }))
        .body as {
        results: Array<{ start_frame: number; stop_frame: number }>;
      };
      expect(jobs.results.map((j) => [j.start_frame, j.stop_frame])).toEqual([
        [0, 3],
        [2, 5],
        [4, 7],
      ]);
    },
  );

  cvatCase(
    'stop_frame is capped at the last frame taken by the step',
    'cvat/apps/engine/task.py initialize_task ("validate stop_frame")',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const rq = await dataAndWait(
        admin,
        id,
        images(10, (i) => png(4, 4, 10 * i)),
        {
          image_quality: '70',
          frame_filter: 'step=3',
          stop_frame: '8',
        },
      );
      expect(rq.status).toBe('finished');
      const meta = (await admin.get(`/api/tasks/${id}/data/meta`)).body as Record<string, unknown>;
      expect(meta.size).toBe(3);
      expect(meta.stop_frame).toBe(6);
      const all = await emptyTask(admin);
      await dataAndWait(
        admin,
        all,
        images(10, (i) => png(4, 4, 10 * i)),
        {
          image_quality: '70',
          frame_filter: 'step=3',
        },
      );
      expect(
        ((await admin.get(`/api/tasks/${all}/data/meta`)).body as Record<string, unknown>).stop_frame,
      ).toBe(9);
    },
  );
});
