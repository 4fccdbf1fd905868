import { readZip, zipBuffers } from '../../src/emulator/data/zip';
import { png } from '../emulator/helpers';
import { cvatCase, useTarget } from './support/target';
import type { Session } from './support/target';

/**
 * Dataset formats users pick most (#15): layouts as CVAT 2.73.1 writes them through Datumaro
 * (cvat/apps/dataset_manager/formats/{yolo,pascal_voc,datumaro,cvat}.py), and round trips.
 */
type Obj = Record<string, unknown>;
type Entries = Map<string, Buffer>;

async function exportZip(s: Session, taskId: number, format: string, saveImages = false): Promise<Entries> {
  const r = await s.post(`/api/tasks/${taskId}/dataset/export`, undefined, {
    query: { format, save_images: saveImages },
  });
  expect(r.status).toBe(202);
  const rq = await s.wait((r.body as { rq_id: string }).rq_id);
  expect(rq.status).toBe('finished');
  const file = await s.get(rq.result_url as string);
  expect(file.status).toBe(200);
  return new Map(
    readZip(file.bytes)
      .filter((e) => !e.isDirectory)
      .map((e) => [e.name, e.read()]),
  );
}

async function importFile(
  s: Session,
  taskId: number,
  format: string,
  data: Buffer,
  name = 'dataset.zip',
): Promise<Obj> {
  const form = new FormData();
  form.append('annotation_file', new Blob([new Uint8Array(data)]), name);
  const r = await s.call('POST', `/api/tasks/${taskId}/annotations/`, { body: form, query: { format } });
  expect(r.status).toBe(202);
  return s.wait((r.body as { rq_id: string }).rq_id);
}

const text = (entries: Entries, name: string): string => {
  const data = entries.get(name);
  if (!data) throw new Error(`${name} is not in the archive: ${[...entries.keys()].join(', ')}`);
  return data.toString('utf8');
};
const zipOf = (entries: Entries): Buffer => zipBuffers([...entries].map(([name, data]) => ({ name, data })));

describe('conformance: dataset formats', () => {
  const target = useTarget();
  let taskId = 0;
  let car = 0;
  let person = 0;

  /** Task: a.png 40x20, b.png 20x40, c.png 10x10; a box on a, a polygon and a tag on b. */
  beforeAll(async () => {
    const admin = target().admin;
    const task = await admin.taskWithImages(
      { name: 'formats', labels: [{ name: 'car' }, { name: 'person' }] },
      [
        ['a.png', png(40, 20, 0x10)],
        ['b.png', png(20, 40, 0x20)],
        ['c.png', png(10, 10, 0x30)],
      ],
    );
    taskId = task.id as number;
    const labels = (await admin.get('/api/labels', { query: { task_id: taskId } })).body as {
      results: Obj[];
    };
    const idOf = (n: string) => labels.results.find((l) => l.name === n)!.id as number;
    car = idOf('car');
    person = idOf('person');
    await setAnnotations();
  }, 120_000);

  async function setAnnotations(): Promise<void> {
    const r = await target().admin.put(`/api/tasks/${taskId}/annotations`, {
      version: 0,
      tags: [{ frame: 1, label_id: car, group: 0, source: 'manual', attributes: [] }],
      shapes: [
        {
          type: 'rectangle',
          frame: 0,
          label_id: car,
          points: [4, 2, 24, 12],
          occluded: true,
          z_order: 0,
          rotation: 0,
          group: 0,
          source: 'manual',
          attributes: [],
        },
        {
          type: 'polygon',
          frame: 1,
          label_id: person,
          points: [1, 1, 10, 1, 10, 20],
          occluded: false,
          z_order: 1,
          rotation: 0,
          group: 0,
          source: 'manual',
          attributes: [],
        },
      ],
      tracks: [],
    });
    expect(r.status).toBe(200);
  }
  const current = async (): Promise<{ tags: Obj[]; shapes: Obj[]; tracks: Obj[] }> =>
    (await target().admin.get(`/api/tasks/${taskId}/annotations`)).body as {
      tags: Obj[];
      shapes: Obj[];
      tracks: Obj[];
    };
  const clear = async (): Promise<void> => {
    expect((await target().admin.delete(`/api/tasks/${taskId}/annotations`)).status).toBe(204);
  };

  cvatCase(
    'the server lists YOLO 1.1, PASCAL VOC 1.1 and Datumaro 1.0 both ways, CVAT for video 1.1 for export',
    'cvat/apps/dataset_manager/formats/registry.py; GET /api/server/annotation/formats',
    async () => {
      const r = await target().admin.get('/api/server/annotation/formats');
      expect(r.status).toBe(200);
      const body = r.body as { importers: Obj[]; exporters: Obj[] };
      const names = (list: Obj[]) => list.map((f) => f.name);
      for (const f of ['YOLO 1.1', 'PASCAL VOC 1.1', 'Datumaro 1.0', 'COCO 1.0', 'CVAT 1.1'])
        expect(names(body.importers)).toContain(f);
      for (const f of [
        'YOLO 1.1',
        'PASCAL VOC 1.1',
        'Datumaro 1.0',
        'COCO 1.0',
        'CVAT for images 1.1',
        'CVAT for video 1.1',
      ])
        expect(names(body.exporters)).toContain(f);
      const yolo = body.exporters.find((f) => f.name === 'YOLO 1.1')!;
      expect(yolo).toMatchObject({ ext: 'ZIP', version: '1.1', enabled: true, dimension: '2d' });
      if (target().kind === 'emulator') {
        // The emulator lists exactly what it implements.
        expect(names(body.importers)).toEqual([
          'COCO 1.0',
          'CVAT 1.1',
          'Datumaro 1.0',
          'PASCAL VOC 1.1',
          'YOLO 1.1',
        ]);
        expect(names(body.exporters)).toEqual([
          'COCO 1.0',
          'CVAT for video 1.1',
          'CVAT for images 1.1',
          'Datumaro 1.0',
          'PASCAL VOC 1.1',
          'YOLO 1.1',
        ]);
      }
    },
  );

  cvatCase(
    'YOLO 1.1 export: obj.data, obj.names, train.txt and one obj_train_data/<id>.txt per frame',
    'datumaro/plugins/yolo_format/converter.py YoloConverter (CVAT yolo.py _export)',
    async () => {
      const e = await exportZip(target().admin, taskId, 'YOLO 1.1');
      expect([...e.keys()].sort()).toEqual([
        'obj.data',
        'obj.names',
        'obj_train_data/a.txt',
        'obj_train_data/b.txt',
        'obj_train_data/c.txt',
        'train.txt',
      ]);
      expect(text(e, 'obj.data')).toBe(
        'classes = 2\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n',
      );
      expect(text(e, 'obj.names')).toBe('car\nperson\n');
      expect(text(e, 'train.txt')).toBe(
        'data/obj_train_data/a.png\ndata/obj_train_data/b.png\ndata/obj_train_data/c.png\n',
      );
      // Box (4,2)-(24,12) on 40x20: centre (14, 7), size 20x10. Polygons and tags are not YOLO.
      expect(text(e, 'obj_train_data/a.txt')).toBe('0 0.350000 0.350000 0.500000 0.500000\n');
      expect(text(e, 'obj_train_data/b.txt')).toBe('');
      const withImages = await exportZip(target().admin, taskId, 'YOLO 1.1', true);
      expect(withImages.get('obj_train_data/a.png')).toEqual(png(40, 20, 0x10));
    },
  );

  cvatCase(
    'YOLO 1.1 import: the exported archive brings the boxes back; a line without 5 fields fails',
    'datumaro/plugins/yolo_format/extractor.py YoloExtractor._load_one_annotation; CVAT yolo.py _import',
    async () => {
      const admin = target().admin;
      const e = await exportZip(admin, taskId, 'YOLO 1.1');
      await clear();
      expect((await importFile(admin, taskId, 'YOLO 1.1', zipOf(e))).status).toBe('finished');
      const a = await current();
      expect(a.tags).toEqual([]);
      expect(a.shapes).toHaveLength(1);
      expect(a.shapes[0]).toMatchObject({ type: 'rectangle', frame: 0, label_id: car, source: 'manual' });
      (a.shapes[0]!.points as number[]).forEach((p, i) => expect(p).toBeCloseTo([4, 2, 24, 12][i]!, 4));
      e.set('obj_train_data/a.txt', Buffer.from('0 0.5 0.5 0.1\n'));
      const failed = await importFile(admin, taskId, 'YOLO 1.1', zipOf(e));
      expect(failed.status).toBe('failed');
      await setAnnotations();
    },
  );

  cvatCase(
    'PASCAL VOC 1.1 export: Annotations/<id>.xml, ImageSets lists and labelmap.txt with background first',
    'datumaro/plugins/voc_format/converter.py VocConverter (CVAT pascal_voc.py _export, label_map=source)',
    async () => {
      const e = await exportZip(target().admin, taskId, 'PASCAL VOC 1.1');
      expect([...e.keys()].sort()).toEqual([
        'Annotations/a.xml',
        'Annotations/b.xml',
        'Annotations/c.xml',
        'ImageSets/Action/default.txt',
        'ImageSets/Layout/default.txt',
        'ImageSets/Main/background_default.txt',
        'ImageSets/Main/car_default.txt',
        'ImageSets/Main/default.txt',
        'ImageSets/Main/person_default.txt',
        'ImageSets/Segmentation/default.txt',
        'labelmap.txt',
      ]);
      const a = text(e, 'Annotations/a.xml');
      expect(a).toContain('<filename>a.png</filename>');
      expect(a).toContain('<width>40</width>');
      expect(a).toContain('<name>car</name>');
      expect(a).toContain('<occluded>1</occluded>');
      expect(a).toContain('<xmin>4.0</xmin>');
      expect(a).toContain('<ymax>12.0</ymax>');
      expect(text(e, 'ImageSets/Main/default.txt')).toBe('a\nb\nc\n');
      expect(text(e, 'ImageSets/Main/car_default.txt')).toBe('b  1\n');
      expect(text(e, 'ImageSets/Main/person_default.txt')).toBe('b -1\n');
      // The lists of the frames without any annotation.
      expect(text(e, 'ImageSets/Layout/default.txt')).toBe('c\n');
      expect(text(e, 'labelmap.txt')).toBe(
        '# label:color_rgb:parts:actions\nbackground:0,0,0::\ncar:128,0,0::\nperson:0,128,0::\n',
      );
    },
  );

  cvatCase(
    'PASCAL VOC 1.1 import: boxes and tags come back from the exported archive',
    'datumaro/plugins/voc_format/extractor.py; CVAT pascal_voc.py _import',
    async () => {
      const admin = target().admin;
      const e = await exportZip(admin, taskId, 'PASCAL VOC 1.1');
      await clear();
      expect((await importFile(admin, taskId, 'PASCAL VOC 1.1', zipOf(e))).status).toBe('finished');
      const a = await current();
      expect(a.shapes.map((s) => [s.type, s.frame, s.label_id, s.points, s.occluded])).toEqual([
        ['rectangle', 0, car, [4, 2, 24, 12], true],
      ]);
      expect(a.tags.map((t) => [t.frame, t.label_id])).toEqual([[1, car]]);
      await setAnnotations();
    },
  );

  cvatCase(
    'Datumaro 1.0 export: annotations/default.json with categories, attr.frame and typed annotations',
    'datumaro/plugins/datumaro_format/converter.py; CVAT bindings.py CvatToDmAnnotationConverter',
    async () => {
      const e = await exportZip(target().admin, taskId, 'Datumaro 1.0');
      expect([...e.keys()]).toEqual(['annotations/default.json']);
      const doc = JSON.parse(text(e, 'annotations/default.json')) as Obj;
      const cats = doc.categories as { label: Obj; points: Obj };
      expect(cats.label).toEqual({
        labels: [
          { name: 'car', parent: '', attributes: [] },
          { name: 'person', parent: '', attributes: [] },
        ],
        attributes: ['occluded'],
      });
      const items = doc.items as Obj[];
      expect(items.map((i) => [i.id, i.attr])).toEqual([
        ['a', { frame: 0 }],
        ['b', { frame: 1 }],
        ['c', { frame: 2 }],
      ]);
      expect(items[0]!.annotations).toEqual([
        {
          id: 0,
          type: 'bbox',
          attributes: { occluded: true, rotation: 0 },
          group: 0,
          label_id: 0,
          z_order: 0,
          bbox: [4, 2, 20, 10],
        },
      ]);
      expect(items[1]!.annotations).toEqual([
        { id: 0, type: 'label', attributes: {}, group: 0, label_id: 0 },
        {
          id: 0,
          type: 'polygon',
          attributes: { occluded: false },
          group: 0,
          label_id: 1,
          points: [1, 1, 10, 1, 10, 20],
          z_order: 1,
        },
      ]);
    },
  );

  cvatCase(
    'Datumaro 1.0 import: tags, shapes and tracks come back from the exported archive',
    'CVAT bindings.py import_dm_annotations (track_id + keyframe make tracks)',
    async () => {
      const admin = target().admin;
      const track = {
        frame: 0,
        label_id: person,
        group: 0,
        source: 'manual',
        attributes: [],
        shapes: [
          {
            type: 'rectangle',
            frame: 0,
            points: [0, 0, 4, 4],
            occluded: false,
            outside: false,
            z_order: 0,
            rotation: 0,
            attributes: [],
          },
          {
            type: 'rectangle',
            frame: 2,
            points: [2, 2, 6, 6],
            occluded: false,
            outside: false,
            z_order: 0,
            rotation: 0,
            attributes: [],
          },
        ],
      };
      expect(
        (
          await admin.patch(
            `/api/tasks/${taskId}/annotations`,
            { tracks: [track] },
            { query: { action: 'create' } },
          )
        ).status,
      ).toBe(200);
      const e = await exportZip(admin, taskId, 'Datumaro 1.0');
      const items = (JSON.parse(text(e, 'annotations/default.json')) as { items: Obj[] }).items;
      // The track is written on every frame it covers, interpolated between its keyframes.
      const boxes = items.map((i) =>
        (i.annotations as Obj[]).filter((a) => (a.attributes as Obj).track_id === 0),
      );
      expect(boxes.map((b) => b.map((a) => [a.bbox, (a.attributes as Obj).keyframe]))).toEqual([
        [[[0, 0, 4, 4], true]],
        [[[1, 1, 4, 4], false]],
        [[[2, 2, 4, 4], true]],
      ]);
      await clear();
      expect((await importFile(admin, taskId, 'Datumaro 1.0', zipOf(e))).status).toBe('finished');
      const a = await current();
      expect(a.tags.map((t) => [t.frame, t.label_id])).toEqual([[1, car]]);
      expect(a.shapes.map((s) => [s.type, s.frame, s.points, s.occluded])).toEqual([
        ['rectangle', 0, [4, 2, 24, 12], true],
        ['polygon', 1, [1, 1, 10, 1, 10, 20], false],
      ]);
      expect(a.tracks).toHaveLength(1);
      expect((a.tracks[0]!.shapes as Obj[]).map((s) => [s.frame, s.points, s.outside])).toEqual([
        [0, [0, 0, 4, 4], false],
        [2, [2, 2, 6, 6], false],
      ]);
      await clear();
      await setAnnotations();
    },
  );

  cvatCase(
    'CVAT for video 1.1 export: tracks per frame, each shape as a track with an outside frame, no tags',
    'cvat/apps/dataset_manager/formats/cvat.py dump_as_cvat_interpolation',
    async () => {
      const e = await exportZip(target().admin, taskId, 'CVAT for video 1.1');
      expect([...e.keys()]).toEqual(['annotations.xml']);
      const xml = text(e, 'annotations.xml');
      expect(xml).toContain('<version>1.1</version>');
      expect(xml).not.toContain('<tag');
      expect(xml).not.toContain('<image');
      const tracks = xml.match(/<track [^>]*>/g) ?? [];
      expect(tracks).toEqual([
        '<track id="0" label="car" source="manual">',
        '<track id="1" label="person" source="manual">',
      ]);
      // The box on frame 0 of 3: visible on 0, outside on 1 (1 < stop frame 2).
      expect(xml).toMatch(
        /<box frame="0" keyframe="1" outside="0" occluded="1" xtl="4.00" ytl="2.00" xbr="24.00" ybr="12.00" z_order="0">/,
      );
      expect(xml).toMatch(/<box frame="1" keyframe="1" outside="1" occluded="1" /);
      // The polygon on frame 1: 1 + 1 is not below the stop frame, so no outside frame.
      expect(xml.match(/<polygon [^>]*>/g)).toEqual([
        '<polygon frame="1" keyframe="1" outside="0" occluded="0" points="1.00,1.00;10.00,1.00;10.00,20.00" z_order="1">',
      ]);
    },
  );

  cvatCase(
    'a project exported with images in YOLO, PASCAL VOC or Datumaro imports into a new project, one task per subset',
    'CVAT bindings.py load_dataset_data; formats/{yolo,pascal_voc,datumaro}.py _import with load_data_callback',
    async () => {
      const admin = target().admin;
      const labels = [{ name: 'car' }];
      const source = await admin.post('/api/projects', { name: target().name('src'), labels });
      expect(source.status).toBe(201);
      const sourceId = (source.body as { id: number }).id;
      const task = await admin.taskWithImages({ name: 'in-project', project_id: sourceId }, [
        ['p1.png', png(30, 20, 0x40)],
        ['p2.png', png(20, 30, 0x50)],
      ]);
      const label = (
        (await admin.get('/api/labels', { query: { project_id: sourceId } })).body as { results: Obj[] }
      ).results[0]!.id as number;
      const box = { type: 'rectangle', frame: 1, label_id: label, points: [2, 4, 12, 24], attributes: [] };
      expect((await admin.put(`/api/tasks/${String(task.id)}/annotations`, { shapes: [box] })).status).toBe(
        200,
      );
      for (const format of ['Datumaro 1.0', 'PASCAL VOC 1.1', 'YOLO 1.1']) {
        const r = await admin.post(`/api/projects/${sourceId}/dataset/export`, undefined, {
          query: { format, save_images: true },
        });
        const rq = await admin.wait((r.body as { rq_id: string }).rq_id);
        const zip = (await admin.get(rq.result_url as string)).bytes;
        const dest = await admin.post('/api/projects', { name: target().name(`dst-${format}`), labels });
        const destId = (dest.body as { id: number }).id;
        const form = new FormData();
        form.append('dataset_file', new Blob([new Uint8Array(zip)]), 'dataset.zip');
        const imported = await admin.call('POST', `/api/projects/${destId}/dataset/`, {
          body: form,
          query: { format },
        });
        expect(imported.status).toBe(202);
        const done = await admin.wait((imported.body as { rq_id: string }).rq_id);
        expect([format, done.status]).toEqual([format, 'finished']);
        const tasks = (
          (await admin.get('/api/tasks', { query: { project_id: destId } })).body as { results: Obj[] }
        ).results;
        expect(tasks.map((t) => t.size)).toEqual([2]);
        const a = (await admin.get(`/api/tasks/${String(tasks[0]!.id)}/annotations`)).body as {
          shapes: Obj[];
        };
        expect(a.shapes).toHaveLength(1);
        expect(a.shapes[0]).toMatchObject({ type: 'rectangle', frame: 1 });
        (a.shapes[0]!.points as number[]).forEach((p, i) => expect(p).toBeCloseTo(box.points[i]!, 4));
      }
    },
  );
});
