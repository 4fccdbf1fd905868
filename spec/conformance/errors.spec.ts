import { png } from '../emulator/helpers';
import { emptyTask } from './support/data';
import type { Session } from './support/target';
import { cvatCase, useTarget } from './support/target';

/** Error bodies (#15 divergence 4): the exact shapes CVAT 2.73.1 answers with. */
describe('conformance: error bodies', () => {
  const target = useTarget();

  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  /** Starts a TUS upload of `size` bytes named `name` on a task's data endpoint. */
  function tusCreate(s: Session, taskId: number, name: string, size: number): ReturnType<Session['call']> {
    return s.call('POST', `/api/tasks/${taskId}/data/`, {
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(size),
        'Upload-Metadata': `filename ${b64(name)},filetype ${b64('image/png')}`,
      },
    });
  }

  cvatCase(
    'an error raised while saving is a bare JSON list',
    'cvat/apps/engine/serializers.py TaskWriteSerializer.create ("Task must have only one of Label set or project_id")',
    async () => {
      const admin = target().admin;
      const project = await admin.post('/api/projects', {
        name: target().name('p'),
        labels: [{ name: 'car' }],
      });
      const r = await admin.post('/api/tasks', {
        name: target().name('t'),
        project_id: (project.body as { id: number }).id,
        labels: [{ name: 'car' }],
      });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(['Task must have only one of Label set or project_id']);
    },
  );

  cvatCase(
    'errors inside labels and their attributes are nested per item, {} for a valid one',
    'DRF ListSerializer.to_internal_value over cvat/apps/engine/serializers.py LabelSerializer / AttributeSerializer',
    async () => {
      const admin = target().admin;
      const r = await admin.post('/api/tasks', {
        name: target().name('t'),
        labels: [
          { name: 'car' },
          { name: 'bike', type: 'nonsense' },
          { name: 'bus', attributes: [{ name: 'a', mutable: false, input_type: 'slider', values: [] }] },
        ],
      });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        labels: [
          {},
          { type: ['"nonsense" is not a valid choice.'] },
          { attributes: [{ input_type: ['"slider" is not a valid choice.'] }] },
        ],
      });
    },
  );

  cvatCase(
    'a chunk number out of range is a JSON string',
    'cvat/apps/engine/frame_provider.py TaskFrameProvider.validate_chunk_number; views.py _DataGetter.__call__',
    async () => {
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 't', labels: [{ name: 'car' }] }, [
        ['a.png', png(4, 4)],
      ]);
      const r = await admin.get(`/api/tasks/${String(task.id)}/data`, {
        query: { type: 'chunk', number: 5 },
      });
      expect(r.status).toBe(400);
      expect(r.body).toBe("Invalid chunk number '5'. The chunk number should be in the [0, 0] range");
    },
  );

  cvatCase(
    "Upload-Start's 202 has no body",
    'cvat/apps/engine/mixins.py UploadMixin.upload_started',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const r = await admin.call('POST', `/api/tasks/${id}/data/`, {
        json: { image_quality: 70 },
        headers: { 'Upload-Start': 'true' },
      });
      expect(r.status).toBe(202);
      expect(r.bytes.length).toBe(0);
    },
  );

  cvatCase(
    'TUS: creation errors are bare JSON strings; chunk errors have no body',
    'cvat/apps/engine/mixins.py UploadMixin.init_tus_upload / append_tus_chunk',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      await admin.call('POST', `/api/tasks/${id}/data/`, { headers: { 'Upload-Start': 'true' } });
      const created = await tusCreate(admin, id, 'a.png', 10);
      expect(created.status).toBe(201);
      const again = await tusCreate(admin, id, 'a.png', 10);
      expect(again.status).toBe(409);
      expect(again.body).toBe('File with same name already exists');
      const huge = await tusCreate(admin, id, 'b.png', 26843545601);
      expect(huge.status).toBe(413);
      expect(huge.body).toBe('File size exceeds max limit of 26843545600 bytes');
      const location = created.headers.get('location')!;
      const mismatch = await admin.call('PATCH', location, {
        body: new Uint8Array(5),
        headers: {
          'Tus-Resumable': '1.0.0',
          'Upload-Offset': '3',
          'Content-Type': 'application/offset+octet-stream',
        },
      });
      expect(mismatch.status).toBe(409);
      expect(mismatch.bytes.length).toBe(0);
    },
  );
});
