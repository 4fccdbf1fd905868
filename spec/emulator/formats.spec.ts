import { readZip, zipBuffers } from '../../src/emulator/data/zip';
import type { RunningEmulator } from '../../src/emulator';
import { pyFloat } from '../../src/emulator/formats/items';
import { interpolateTrack } from '../../src/emulator/formats/tracks';
import { png, results, withEmulator } from './helpers';
import type { Obj, Api } from './helpers';

/** The YOLO, PASCAL VOC, Datumaro and CVAT-for-video formats beyond what spec/conformance checks. */

describe('track interpolation (TrackManager.get_interpolated_shapes)', () => {
  const key = (frame: number, points: number[], outside = false) => ({
    type: 'rectangle',
    frame,
    points,
    outside,
    occluded: false,
    z_order: 0,
    rotation: 0,
    attributes: [],
  });

  it('interpolates between keyframes, repeats the last visible one to the end, and stops at an outside one', () => {
    const frames = interpolateTrack(
      {
        attributes: [],
        shapes: [
          key(0, [0, 0, 2, 2]),
          key(2, [2, 2, 4, 4]),
          key(4, [2, 2, 4, 4], true),
          key(6, [0, 0, 1, 1]),
        ],
      },
      7,
    );
    expect(frames.map((f) => [f.frame, f.keyframe, f.outside, f.points])).toEqual([
      [0, true, false, [0, 0, 2, 2]],
      [1, false, false, [1, 1, 3, 3]],
      [2, true, false, [2, 2, 4, 4]],
      [3, false, false, [2, 2, 4, 4]],
      [4, true, true, [2, 2, 4, 4]],
      [6, true, false, [0, 0, 1, 1]],
      [7, false, false, [0, 0, 1, 1]],
    ]);
  });

  it('writes floats as Python does', () => {
    expect([pyFloat(3), pyFloat(0.5), pyFloat(-2)]).toEqual(['3.0', '0.5', '-2.0']);
  });
});

describe('dataset formats on the emulator', () => {
  let emu: RunningEmulator;
  let api: Api;
  let task: Obj;
  let car = 0;

  beforeAll(async () => {
    ({ emu, api } = await withEmulator());
    task = await api.taskWithImages({ name: 't', labels: [{ name: 'car' }], subset: 'Validation' }, [
      ['x_1.png', png(10, 10)],
      ['y.png', png(20, 10)],
    ]);
    car = results((await api.get(`/api/labels?task_id=${String(task.id)}`)).body)[0]!.id as number;
  });
  afterAll(() => emu.close());

  const exportZip = async (format: string): Promise<Map<string, string>> => {
    const r = await api.post(
      `/api/tasks/${String(task.id)}/dataset/export?format=${encodeURIComponent(format)}`,
    );
    expect(r.status).toBe(202);
    const rq = await api.wait((r.body as { rq_id: string }).rq_id);
    const zip = (await api.get(rq.result_url as string)).bytes;
    return new Map(readZip(zip).map((e) => [e.name, e.read().toString('utf8')]));
  };
  const importZip = async (format: string, entries: Record<string, string>): Promise<Obj> => {
    const form = new FormData();
    const zip = zipBuffers(
      Object.entries(entries).map(([name, data]) => ({ name, data: Buffer.from(data) })),
    );
    form.append('annotation_file', new Blob([new Uint8Array(zip)]), 'd.zip');
    const r = await api.call(
      'POST',
      `/api/tasks/${String(task.id)}/annotations/?format=${encodeURIComponent(format)}`,
      {
        body: form,
      },
    );
    expect(r.status).toBe(202);
    return api.wait((r.body as { rq_id: string }).rq_id);
  };
  const shapes = async (): Promise<Obj[]> =>
    ((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body as { shapes: Obj[] }).shapes;

  it('YOLO 1.1 keeps a subset other than default under its own name', async () => {
    const e = await exportZip('YOLO 1.1');
    expect(e.get('obj.data')).toBe(
      'classes = 1\nValidation = data/Validation.txt\nnames = data/obj.names\nbackup = backup/\n',
    );
    expect(e.get('Validation.txt')).toBe(
      'data/obj_Validation_data/x_1.png\ndata/obj_Validation_data/y.png\n',
    );
  });

  it('YOLO 1.1 import reads a hand-written archive in a folder, with or without the data/ prefix', async () => {
    const rq = await importZip('YOLO 1.1', {
      'ds/obj.data': 'classes = 1\ntrain = train.txt\nnames = data/obj.names\n',
      'ds/obj.names': 'car\n',
      'ds/train.txt': 'data/obj_train_data/y.jpg\n',
      'ds/obj_train_data/y.txt': '0 0.5 0.5 0.5 0.2\n',
    });
    expect(rq.status).toBe('finished');
    expect((await shapes()).map((s) => [s.frame, s.label_id, s.points])).toEqual([[1, car, [5, 4, 15, 6]]]);
  });

  it('YOLO 1.1 import without obj.data, or naming an undeclared class, fails', async () => {
    expect((await importZip('YOLO 1.1', { 'obj.names': 'car\n' })).status).toBe('failed');
    const undeclared = await importZip('YOLO 1.1', {
      'obj.data': 'train = data/train.txt\nnames = data/obj.names\n',
      'obj.names': 'car\n',
      'train.txt': 'data/obj_train_data/y.png\n',
      'obj_train_data/y.txt': '3 0.5 0.5 0.5 0.2\n',
    });
    expect(undeclared.status).toBe('failed');
    expect(String(undeclared.message)).toMatch(/undeclared label '3'/);
  });

  it('PASCAL VOC 1.1: the folder is the id up to its first underscore; a flat archive of XML files imports', async () => {
    expect((await exportZip('PASCAL VOC 1.1')).get('Annotations/x_1.xml')).toContain('<folder>x</folder>');
    const rq = await importZip('PASCAL VOC 1.1', {
      'y.xml':
        '<annotation><filename>y.png</filename><object><name>car</name><occluded>1</occluded>' +
        '<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3.5</xmax><ymax>4</ymax></bndbox></object></annotation>',
    });
    expect(rq.status).toBe('finished');
    expect((await shapes()).map((s) => [s.frame, s.points, s.occluded])).toEqual([[1, [1, 2, 3.5, 4], true]]);
    const unknown = await importZip('PASCAL VOC 1.1', {
      'y.xml':
        '<annotation><object><name>bus</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object></annotation>',
    });
    expect(unknown.status).toBe('failed');
  });

  it('Datumaro 1.0 import matches an item by attr.frame, drops groups of one, and refuses masks', async () => {
    const doc = (annotations: Obj[]) =>
      JSON.stringify({
        info: {},
        categories: { label: { labels: [{ name: 'car', parent: '', attributes: [] }], attributes: [] } },
        items: [{ id: 'renamed', annotations, attr: { frame: 1 } }],
      });
    const box = (group: number) => ({
      id: 0,
      type: 'bbox',
      attributes: {},
      group,
      label_id: 0,
      z_order: 0,
      bbox: [1, 1, 2, 2],
    });
    const rq = await importZip('Datumaro 1.0', { 'annotations/default.json': doc([box(7), box(9), box(9)]) });
    expect(rq.status).toBe('finished');
    expect((await shapes()).map((s) => [s.frame, s.group, s.points])).toEqual([
      [1, 0, [1, 1, 3, 3]],
      [1, 1, [1, 1, 3, 3]],
      [1, 1, [1, 1, 3, 3]],
    ]);
    const mask = {
      id: 0,
      type: 'mask',
      attributes: {},
      group: 0,
      label_id: 0,
      rle: { counts: '', size: [1, 1] },
    };
    expect((await importZip('Datumaro 1.0', { 'annotations/default.json': doc([mask]) })).status).toBe(
      'failed',
    );
  });

  it('a project without any task data still exports, in every format', async () => {
    const project = (await api.post('/api/projects', { name: 'empty', labels: [{ name: 'car' }] }))
      .body as Obj;
    for (const format of [
      'CVAT for images 1.1',
      'CVAT for video 1.1',
      'COCO 1.0',
      'Datumaro 1.0',
      'PASCAL VOC 1.1',
      'YOLO 1.1',
    ]) {
      const r = await api.post(
        `/api/projects/${String(project.id)}/dataset/export?format=${encodeURIComponent(format)}`,
      );
      const rq = await api.wait((r.body as { rq_id: string }).rq_id);
      expect([format, rq.status]).toEqual([format, 'finished']);
    }
  });

  // DatasetExporter.validate_request answers with CVAT's own message, as a JSON list.
  it("an unknown export format is a 400 with CVAT's message", async () => {
    const r = await api.post(
      `/api/tasks/${String(task.id)}/dataset/export?format=${encodeURIComponent('YOLO 9.9')}`,
    );
    expect(r.status).toBe(400);
    expect(r.body).toEqual(['Unknown format specified for the request']);
  });
});
