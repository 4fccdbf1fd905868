import { png } from '../emulator/helpers';
import { emptyTask } from './support/data';
import { cvatCase, useTarget } from './support/target';

/** Everything else seen (#15 divergence 8, but for the TUS Upload-Filename point). */
describe('conformance: misc', () => {
  const target = useTarget();

  cvatCase(
    'import format names are exact: an exporter-only name is an unknown input format',
    'cvat/apps/engine/background.py DatasetImporter.validate_request',
    async () => {
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 't', labels: [{ name: 'car' }] }, [
        ['a.png', png(4, 4)],
      ]);
      const form = new FormData();
      form.append('annotation_file', new Blob(['<annotations/>']), 'a.xml');
      const r = await admin.call('POST', `/api/tasks/${String(task.id)}/annotations`, {
        body: form,
        query: { format: 'CVAT for images 1.1' },
      });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(["Unknown input format 'CVAT for images 1.1'"]);
    },
  );

  cvatCase(
    'the backup of a task without data is refused',
    'cvat/apps/engine/background.py BackupExporter.validate_request',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const r = await admin.post(`/api/tasks/${id}/backup/export`);
      expect(r.status).toBe(400);
      expect(r.body).toEqual(['Backup of a task without data is not allowed']);
    },
  );

  cvatCase(
    'removed export and status endpoints answer 410 Gone in plain text',
    'cvat/apps/engine/view_utils.py get_410_response_for_export_api / get_410_response_when_checking_process_status',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const project = (await admin.post('/api/projects', { name: target().name('p') })).body as {
        id: number;
      };
      for (const path of [
        `/api/tasks/${id}/dataset`,
        `/api/tasks/${id}/backup`,
        `/api/projects/${project.id}/dataset`,
        `/api/projects/${project.id}/annotations`,
        `/api/projects/${project.id}/backup`,
      ]) {
        const r = await admin.get(path);
        expect([path, r.status]).toEqual([path, 410]);
        expect(r.text).toMatch(
          /^This endpoint is no longer supported\.\nTo initiate the export process, use POST /,
        );
      }
      const status = await admin.get(`/api/projects/${project.id}/dataset`, {
        query: { action: 'import_status' },
      });
      expect(status.status).toBe(410);
      expect(status.text).toMatch(
        /^This endpoint no longer supports checking the status of the import process\./,
      );
      const restoreStatus = await admin.call('POST', '/api/tasks/backup', { query: { rq_id: 'x' } });
      expect(restoreStatus.status).toBe(410);
    },
  );

  cvatCase(
    'a skeleton svg has data-label-name rewritten to data-label-id',
    'cvat/apps/engine/serializers.py LabelSerializer.create_labels',
    async () => {
      const admin = target().admin;
      const svg =
        '<circle r="0.75" cx="10" cy="10" data-type="element node" data-element-id="1" data-node-id="1" data-label-name="p1"></circle>';
      const project = await admin.post('/api/projects', {
        name: target().name('skeleton'),
        labels: [{ name: 'sk', type: 'skeleton', svg, sublabels: [{ name: 'p1', type: 'points' }] }],
      });
      expect(project.status).toBe(201);
      const labels = (
        await admin.get('/api/labels', { query: { project_id: (project.body as { id: number }).id } })
      ).body as { results: Array<{ svg: string; sublabels: Array<{ id: number }> }> };
      const sk = labels.results[0]!;
      expect(sk.svg).toContain(`data-label-id="${sk.sublabels[0]!.id}"`);
      expect(sk.svg).not.toContain('data-label-name');
    },
  );

  cvatCase(
    'PATCH /api/labels/{id} with deleted: true is refused',
    'cvat/apps/engine/serializers.py LabelSerializer.validate (local)',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const labels = (await admin.get('/api/labels', { query: { task_id: id } })).body as {
        results: Array<{ id: number }>;
      };
      const r = await admin.patch(`/api/labels/${labels.results[0]!.id}`, { deleted: true });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        non_field_errors: [
          'Labels cannot be deleted by updating in this endpoint. Please use the DELETE method instead.',
        ],
      });
      expect((await admin.get(`/api/labels/${labels.results[0]!.id}`)).status).toBe(200);
    },
  );
});
