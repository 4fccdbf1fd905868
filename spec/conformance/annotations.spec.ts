import { png } from '../emulator/helpers';
import { results } from './support/orgs';
import { cvatCase, useTarget } from './support/target';

/** Annotations (#15, divergence 2): LabeledDataSerializer and dataset_manager semantics. */
describe('conformance: annotations', () => {
  const target = useTarget();
  let taskId = 0;
  let car = 0;
  let skeleton = 0;
  let point = 0;
  const url = (): string => `/api/tasks/${taskId}/annotations`;
  const rect = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'rectangle',
    frame: 0,
    label_id: car,
    points: [1, 1, 5, 5],
    ...extra,
  });

  beforeAll(async () => {
    const admin = target().admin;
    const task = await admin.taskWithImages(
      {
        name: 'annotations',
        labels: [
          { name: 'car' },
          {
            name: 'sk',
            type: 'skeleton',
            sublabels: [{ name: 'p1', type: 'points' }],
            svg: '<circle r="1.5" cx="50" cy="50" data-type="element node" data-element-id="1" data-node-id="1" data-label-name="p1"></circle>',
          },
        ],
      },
      [
        ['a.png', png(16, 16)],
        ['b.png', png(16, 16)],
      ],
    );
    taskId = task.id as number;
    const labels = results<{ id: number; name: string }>(
      (await admin.get('/api/labels', { query: { task_id: taskId } })).body,
    );
    car = labels.find((l) => l.name === 'car')!.id;
    skeleton = labels.find((l) => l.name === 'sk')!.id;
    const subs = results<{ id: number }>(
      (await admin.get('/api/labels', { query: { task_id: taskId, parent_id: skeleton } })).body,
    );
    point = subs[0]!.id;
  }, 120_000);

  cvatCase(
    'an id on a PUT is refused: 400 "must be absent"',
    'cvat/apps/engine/views.py: annotations PUT (annotation_action=CREATE); serializers.py AnnotationSerializer.validate_id',
    async () => {
      const r = await target().admin.put(url(), { shapes: [rect(), rect({ id: 1 })] });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ shapes: [{}, { id: ['must be absent'] }] });
    },
  );

  cvatCase(
    'an id on PATCH action=create is refused: 400 "must be absent", elements included',
    'cvat/apps/engine/serializers.py: AnnotationSerializer.validate_id (PatchAction.CREATE)',
    async () => {
      const admin = target().admin;
      const tag = await admin.patch(
        url(),
        { tags: [{ id: 5, frame: 0, label_id: car }] },
        { query: { action: 'create' } },
      );
      expect(tag.status).toBe(400);
      expect(tag.body).toEqual({ tags: [{ id: ['must be absent'] }] });
      const element = await admin.patch(
        url(),
        {
          shapes: [
            {
              type: 'skeleton',
              frame: 0,
              label_id: skeleton,
              points: [],
              elements: [{ id: 9, type: 'points', frame: 0, label_id: point, points: [2, 2] }],
            },
          ],
        },
        { query: { action: 'create' } },
      );
      expect(element.status).toBe(400);
      expect(element.body).toEqual({ shapes: [{ elements: [{ id: ['must be absent'] }] }] });
    },
  );

  cvatCase(
    'PATCH action=delete takes the full objects with their ids',
    'cvat/apps/engine/serializers.py: AnnotationSerializer.validate_id (PatchAction.DELETE); dataset_manager/task.py patch_job_data',
    async () => {
      const admin = target().admin;
      const created = await admin.patch(url(), { shapes: [rect()] }, { query: { action: 'create' } });
      expect(created.status).toBe(200);
      const shape = (created.body as { shapes: Array<Record<string, unknown>> }).shapes[0]!;
      const idOnly = await admin.patch(
        url(),
        { shapes: [{ id: shape.id }] },
        { query: { action: 'delete' } },
      );
      expect(idOnly.status).toBe(400);
      const noId = await admin.patch(url(), { shapes: [rect()] }, { query: { action: 'delete' } });
      expect(noId.status).toBe(400);
      expect(noId.body).toEqual({ shapes: [{ id: ['must be present and not null'] }] });
      const deleted = await admin.patch(url(), { shapes: [shape] }, { query: { action: 'delete' } });
      expect(deleted.status).toBe(200);
      const left = (await admin.get(url())).body as { shapes: Array<{ id: number }> };
      expect(left.shapes.map((s) => s.id)).not.toContain(shape.id);
    },
  );

  cvatCase(
    'an update keeps the ids it names; a wrong action is a 400',
    'cvat/apps/dataset_manager/task.py: JobAnnotation.update (delete, then create with the same ids); views.py annotations PATCH',
    async () => {
      const admin = target().admin;
      const created = await admin.patch(url(), { shapes: [rect()] }, { query: { action: 'create' } });
      const shape = (created.body as { shapes: Array<Record<string, unknown>> }).shapes[0]!;
      const updated = await admin.patch(
        url(),
        { shapes: [{ ...shape, points: [2, 2, 6, 6] }] },
        { query: { action: 'update' } },
      );
      expect(updated.status).toBe(200);
      const now = (await admin.get(url())).body as { shapes: Array<{ id: number; points: number[] }> };
      expect(now.shapes.find((s) => s.id === shape.id)?.points).toEqual([2, 2, 6, 6]);
      const wrong = await admin.patch(url(), { shapes: [] }, { query: { action: 'upsert' } });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual(["Please specify a correct 'action' for the request"]);
    },
  );

  cvatCase(
    'the annotation version is always 0',
    'cvat/apps/engine/serializers.py: LabeledDataSerializer.version (IntegerField(default=0), "TODO: remove")',
    async () => {
      const admin = target().admin;
      const put = await admin.put(url(), { shapes: [rect()] });
      expect(put.status).toBe(200);
      expect((put.body as { version: number }).version).toBe(0);
      const patched = await admin.patch(url(), { shapes: [rect()] }, { query: { action: 'create' } });
      expect((patched.body as { version: number }).version).toBe(0);
      expect(((await admin.get(url())).body as { version: number }).version).toBe(0);
    },
  );

  cvatCase(
    'the number of points is checked per shape type',
    'cvat/apps/engine/serializers.py: ShapeSerializer.validate',
    async () => {
      const admin = target().admin;
      const cases: Array<[string, number, boolean]> = [
        ['rectangle', 4, true],
        ['rectangle', 6, false],
        ['ellipse', 4, true],
        ['ellipse', 2, false],
        ['polygon', 6, true],
        ['polygon', 4, false],
        ['polygon', 7, false],
        ['polyline', 4, true],
        ['polyline', 2, false],
        ['points', 2, true],
        ['points', 3, false],
        ['cuboid', 16, true],
        ['cuboid', 8, false],
        ['mask', 5, true],
        ['mask', 4, false],
      ];
      for (const [type, n, ok] of cases) {
        const points = Array.from({ length: n }, (_, i) => i + 1);
        const r = await admin.patch(
          url(),
          { shapes: [rect({ type, points })] },
          { query: { action: 'create' } },
        );
        expect([type, n, r.status]).toEqual([type, n, ok ? 200 : 400]);
        if (!ok)
          expect(r.body).toEqual({ shapes: [{ points: [`invalid length for shape type '${type}'`] }] });
      }
    },
  );

  cvatCase(
    'elements only on skeletons, and a skeleton needs at least one',
    'cvat/apps/engine/serializers.py: LabeledShapeSerializer.validate',
    async () => {
      const admin = target().admin;
      const element = { type: 'points', frame: 0, label_id: point, points: [2, 2] };
      const onRect = await admin.put(url(), { shapes: [rect({ elements: [element] })] });
      expect(onRect.status).toBe(400);
      expect(onRect.body).toEqual({ shapes: [{ elements: ['not allowed for non-skeleton shape'] }] });
      const bare = await admin.put(url(), {
        shapes: [{ type: 'skeleton', frame: 0, label_id: skeleton, points: [] }],
      });
      expect(bare.status).toBe(400);
      expect(bare.body).toEqual({ shapes: [{ elements: ['at least one required for skeleton shape'] }] });
      const good = await admin.put(url(), {
        shapes: [{ type: 'skeleton', frame: 0, label_id: skeleton, points: [], elements: [element] }],
      });
      expect(good.status).toBe(200);
    },
  );
});
