import type { RunningEmulator } from '../../src/emulator';
import { readZip, zipBuffers } from '../../src/emulator/data/zip';
import { Api, jpeg, obj, png, results, withEmulator } from './helpers';
import type { Obj } from './helpers';

describe('emulator: exports, imports and backups', () => {
  let emu: RunningEmulator;
  let api: Api;
  let task: Obj;
  let car: Obj;

  const images: Array<[string, Buffer]> = [
    ['a.png', png(100, 50)],
    ['b.png', png(60, 40)],
    ['c.png', png(30, 20)],
  ];

  beforeEach(async () => {
    ({ emu, api } = await withEmulator());
    task = await api.taskWithImages(
      {
        name: 'exp',
        segment_size: 2,
        labels: [
          {
            name: 'car',
            attributes: [{ name: 'color', mutable: false, input_type: 'select', values: ['red', 'blue'] }],
          },
          { name: 'person' },
        ],
      },
      images,
    );
    car = results((await api.get(`/api/labels?task_id=${String(task.id)}&name=car`)).body)[0]!;
    const spec = (car.attributes as Obj[])[0]!;
    await api.put(`/api/tasks/${String(task.id)}/annotations`, {
      shapes: [
        {
          type: 'rectangle',
          frame: 0,
          label_id: car.id,
          points: [10, 20, 40, 60],
          attributes: [{ spec_id: spec.id, value: 'blue' }],
        },
        { type: 'polygon', frame: 2, label_id: car.id, points: [0, 0, 10, 0, 10, 10] },
      ],
      tags: [{ frame: 1, label_id: car.id }],
    });
  });
  afterEach(() => emu.close());

  const exportAndDownload = async (path: string): Promise<{ rq: Obj; zip: Buffer }> => {
    const start = await api.post(path);
    expect(start.status).toBe(202);
    const rq = await api.wait(obj(start.body).rq_id as string);
    expect(rq.status).toBe('finished');
    const url = rq.result_url as string;
    expect(url.startsWith(emu.url)).toBe(true);
    expect((await new Api(emu.url, {}).get(url)).status).toBe(401);
    const file = await api.get(url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.zip"$/);
    return { rq, zip: file.bytes };
  };

  it('exports COCO 1.0 with correct content and images', async () => {
    const { rq, zip } = await exportAndDownload(
      `/api/tasks/${String(task.id)}/dataset/export?format=${encodeURIComponent('COCO 1.0')}&save_images=true`,
    );
    expect(rq.result_url).toMatch(/\/api\/tasks\/\d+\/dataset\/download\?rq_id=/);
    expect(rq.operation).toMatchObject({
      type: 'export:dataset',
      target: 'task',
      format: 'COCO 1.0',
      task_id: task.id,
    });
    const entries = readZip(zip);
    expect(entries.map((e) => e.name).sort()).toEqual([
      'annotations/instances_default.json',
      'images/a.png',
      'images/b.png',
      'images/c.png',
    ]);
    const doc = JSON.parse(
      entries
        .find((e) => e.name.endsWith('.json'))!
        .read()
        .toString(),
    ) as Obj;
    expect(doc.categories).toEqual([
      { id: 1, name: 'car', supercategory: '' },
      { id: 2, name: 'person', supercategory: '' },
    ]);
    expect((doc.images as Obj[]).map((i) => [i.id, i.file_name, i.width, i.height])).toEqual([
      [1, 'a.png', 100, 50],
      [2, 'b.png', 60, 40],
      [3, 'c.png', 30, 20],
    ]);
    const anns = doc.annotations as Obj[];
    expect(anns[0]).toMatchObject({
      image_id: 1,
      category_id: 1,
      bbox: [10, 20, 30, 40],
      area: 1200,
      iscrowd: 0,
      attributes: { occluded: false, color: 'blue' },
    });
    expect(anns[1]).toMatchObject({
      image_id: 3,
      segmentation: [[0, 0, 10, 0, 10, 10]],
      bbox: [0, 0, 10, 10],
      area: 50,
    });
    expect(
      entries
        .find((e) => e.name === 'images/b.png')!
        .read()
        .equals(images[1]![1]),
    ).toBe(true);
  });

  it('exports CVAT for images 1.1 XML for tasks, jobs and projects; 409 while one runs', async () => {
    const { zip } = await exportAndDownload(
      `/api/tasks/${String(task.id)}/dataset/export?format=${encodeURIComponent('CVAT for images 1.1')}`,
    );
    const entries = readZip(zip);
    expect(entries.map((e) => e.name)).toEqual(['annotations.xml']);
    const xml = entries[0]!.read().toString();
    expect(xml).toContain('<version>1.1</version>');
    expect(xml).toContain(
      '<image id="0" name="a.png" width="100" height="50"><box label="car" source="manual" occluded="0" z_order="0" xtl="10.00" ytl="20.00" xbr="40.00" ybr="60.00"><attribute name="color">blue</attribute></box></image>',
    );
    expect(xml).toContain('<tag label="car" source="manual"></tag>');
    expect(xml).toContain('points="0.00,0.00;10.00,0.00;10.00,10.00"');
    const job = results((await api.get(`/api/jobs?task_id=${String(task.id)}&sort=id`)).body)[1]!;
    const jobXml = readZip(
      (
        await exportAndDownload(
          `/api/jobs/${String(job.id)}/dataset/export?format=${encodeURIComponent('CVAT for images 1.1')}`,
        )
      ).zip,
    )[0]!
      .read()
      .toString();
    expect(jobXml).toContain('<polygon');
    expect(jobXml).not.toContain('<box');
    const bad = await api.post(`/api/tasks/${String(task.id)}/dataset/export?format=Nope`);
    expect(bad.status).toBe(400);
    await emu.close();
    ({ emu, api } = await withEmulator({ processingDelayMs: 60_000 }));
    const t = obj((await api.post('/api/tasks', { name: 'x', labels: [{ name: 'a' }] })).body);
    const first = await api.post(`/api/tasks/${String(t.id)}/dataset/export?format=COCO%201.0`);
    const again = await api.post(`/api/tasks/${String(t.id)}/dataset/export?format=COCO%201.0`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual(first.body);
  });

  it('imports COCO and CVAT XML annotations (multipart and TUS), replacing the old ones', async () => {
    const coco = {
      categories: [{ id: 7, name: 'person' }],
      images: [{ id: 3, file_name: 'b.png', width: 60, height: 40 }],
      annotations: [{ id: 1, image_id: 3, category_id: 7, bbox: [1, 2, 3, 4], segmentation: [], iscrowd: 0 }],
    };
    const form = new FormData();
    form.append('annotation_file', new Blob([JSON.stringify(coco)]), 'ann.json');
    const r = await api.call(
      'POST',
      `/api/tasks/${String(task.id)}/annotations/?format=${encodeURIComponent('COCO 1.0')}`,
      { body: form },
    );
    expect(r.status).toBe(202);
    expect((await api.wait(obj(r.body).rq_id as string)).status).toBe('finished');
    const after = obj((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body);
    expect(after.tags).toEqual([]);
    expect(after.shapes).toEqual([
      expect.objectContaining({ type: 'rectangle', frame: 1, points: [1, 2, 4, 6], source: 'file' }),
    ]);

    const xml =
      '<?xml version="1.0"?><annotations><version>1.1</version><image id="0" name="c.png" width="30" height="20"><polyline label="car" occluded="1" points="1,2;3,4"><attribute name="color">red</attribute></polyline></image><track id="0" label="person"><box frame="0" xtl="1" ytl="1" xbr="2" ybr="2" outside="0" occluded="0"/><box frame="1" xtl="2" ytl="2" xbr="3" ybr="3" outside="1" occluded="0"/></track></annotations>';
    const data = Buffer.from(xml);
    const fmt = encodeURIComponent('CVAT 1.1');
    expect(
      (
        await api.call('POST', `/api/tasks/${String(task.id)}/annotations/?format=${fmt}&filename=a.xml`, {
          headers: { 'Upload-Start': '' },
        })
      ).status,
    ).toBe(202);
    const created = await api.call('POST', `/api/tasks/${String(task.id)}/annotations/`, {
      headers: {
        'Upload-Length': String(data.length),
        'Upload-Metadata': `filename ${Buffer.from('a.xml').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const loc = created.headers.get('location')!;
    expect(loc).toMatch(/\/api\/tasks\/\d+\/annotations\/[0-9a-f-]{36}$/);
    expect(
      (
        await api.call('PATCH', loc, {
          body: new Uint8Array(data),
          headers: { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
        })
      ).status,
    ).toBe(204);
    const fin = await api.call(
      'POST',
      `/api/tasks/${String(task.id)}/annotations/?format=${fmt}&filename=${created.headers.get('upload-filename')!}`,
      { headers: { 'Upload-Finish': '' } },
    );
    expect(fin.status).toBe(202);
    const rq = await api.wait(obj(fin.body).rq_id as string);
    expect(rq).toMatchObject({
      status: 'finished',
      operation: expect.objectContaining({ type: 'import:annotations' }),
    });
    const x = obj((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body);
    expect(x.shapes).toEqual([
      expect.objectContaining({
        type: 'polyline',
        frame: 2,
        occluded: true,
        points: [1, 2, 3, 4],
        attributes: [{ spec_id: (car.attributes as Obj[])[0]!.id, value: 'red' }],
      }),
    ]);
    expect((x.tracks as Obj[])[0]).toMatchObject({
      frame: 0,
      shapes: [expect.objectContaining({ frame: 0 }), expect.objectContaining({ frame: 1, outside: true })],
    });
    const wrongLabel = new FormData();
    wrongLabel.append(
      'annotation_file',
      new Blob([
        '<annotations><image name="a.png"><box label="dog" xtl="0" ytl="0" xbr="1" ybr="1"/></image></annotations>',
      ]),
      'bad.xml',
    );
    const failed = await api.call('POST', `/api/tasks/${String(task.id)}/annotations/?format=${fmt}`, {
      body: wrongLabel,
    });
    const failedRq = await api.wait(obj(failed.body).rq_id as string);
    expect(failedRq.status).toBe('failed');
    expect(failedRq.message).toMatch(/dog/);
  });

  it('backs up a task and restores it (multipart), keeping data, labels, jobs and annotations', async () => {
    const { zip } = await exportAndDownload(`/api/tasks/${String(task.id)}/backup/export`);
    const names = readZip(zip).map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'task.json',
        'annotations.json',
        'data/a.png',
        'data/b.png',
        'data/c.png',
        'data/manifest.jsonl',
      ]),
    );
    const manifest = JSON.parse(
      readZip(zip)
        .find((e) => e.name === 'task.json')!
        .read()
        .toString(),
    ) as Obj;
    expect(manifest).toMatchObject({
      name: 'exp',
      version: '1.0',
      jobs: [
        expect.objectContaining({ type: 'annotation', start_frame: 0, stop_frame: 1 }),
        expect.objectContaining({ start_frame: 2, stop_frame: 2 }),
      ],
    });
    const form = new FormData();
    form.append('task_file', new Blob([new Uint8Array(zip)]), 'backup.zip');
    const r = await api.call('POST', '/api/tasks/backup/', { body: form });
    expect(r.status).toBe(202);
    const rq = await api.wait(obj(r.body).rq_id as string);
    expect(rq.status).toBe('finished');
    const restored = obj((await api.get(`/api/tasks/${String(rq.result_id)}`)).body);
    expect(restored).toMatchObject({
      name: 'exp',
      size: 3,
      segment_size: 2,
      jobs: expect.objectContaining({ count: 2 }),
    });
    const ann = obj((await api.get(`/api/tasks/${String(restored.id)}/annotations`)).body);
    expect((ann.shapes as Obj[]).map((s) => [s.type, s.frame, s.points])).toEqual([
      ['rectangle', 0, [10, 20, 40, 60]],
      ['polygon', 2, [0, 0, 10, 0, 10, 10]],
    ]);
    const newCar = results((await api.get(`/api/labels?task_id=${String(restored.id)}&name=car`)).body)[0]!;
    expect((ann.shapes as Obj[])[0]!.attributes).toEqual([
      { spec_id: (newCar.attributes as Obj[])[0]!.id, value: 'blue' },
    ]);
    const frame = await api.get(
      `/api/tasks/${String(restored.id)}/data?type=frame&number=1&quality=original`,
    );
    expect(frame.bytes.equals(images[1]![1])).toBe(true);
  });

  it('restores by TUS with a server-chosen Upload-Filename echoed back', async () => {
    const { zip } = await exportAndDownload(`/api/tasks/${String(task.id)}/backup/export`);
    const created = await api.call('POST', '/api/tasks/backup/', {
      headers: {
        'Upload-Length': String(zip.length),
        'Upload-Metadata': `filename ${Buffer.from('my.zip').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const real = created.headers.get('upload-filename')!;
    expect(real).not.toBe('my.zip');
    expect(real).toMatch(/^cvat-backup-.+\.zip$/);
    expect(
      (
        await api.call('PATCH', created.headers.get('location')!, {
          body: new Uint8Array(zip),
          headers: { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
        })
      ).status,
    ).toBe(204);
    const fin = await api.call('POST', `/api/tasks/backup/?filename=${encodeURIComponent(real)}`, {
      headers: { 'Upload-Finish': '' },
    });
    const rq = await api.wait(obj(fin.body).rq_id as string);
    expect(rq.status).toBe('finished');
    expect(obj((await api.get(`/api/tasks/${String(rq.result_id)}`)).body).size).toBe(3);
  });

  it('restores a CVAT-made backup with consensus replicas and a ground-truth validation layout', async () => {
    const manifest = {
      name: 'from cvat',
      bug_tracker: '',
      status: 'annotation',
      subset: 'train',
      consensus_replicas: 2,
      labels: [
        {
          name: 'cat',
          color: '#ff0000',
          attributes: [
            {
              name: 'age',
              mutable: false,
              input_type: 'number',
              default_value: '1',
              values: ['1', '10', '1'],
            },
          ],
          type: 'any',
          svg: '',
          sublabels: [],
        },
        {
          name: 'pose',
          color: '#00ff00',
          attributes: [],
          type: 'skeleton',
          svg: '<circle data-label-name="nose"></circle>',
          sublabels: [
            { name: 'nose', color: '#0000ff', attributes: [], type: 'points', svg: '', sublabels: [] },
          ],
        },
      ],
      version: '1.0',
      data: {
        chunk_size: 2,
        image_quality: 70,
        start_frame: 0,
        stop_frame: 3,
        chunk_type: 'imageset',
        storage_method: 'cache',
        storage: 'local',
        sorting_method: 'lexicographical',
        deleted_frames: [2],
        validation_layout: { mode: 'gt', frames: [], frames_per_job_count: null },
      },
      jobs: [
        { status: 'annotation', type: 'annotation', start_frame: 0, stop_frame: 1 },
        { status: 'annotation', type: 'consensus_replica', start_frame: 0, stop_frame: 1 },
        { status: 'annotation', type: 'consensus_replica', start_frame: 0, stop_frame: 1 },
        { status: 'annotation', type: 'annotation', start_frame: 2, stop_frame: 3 },
        { status: 'annotation', type: 'consensus_replica', start_frame: 2, stop_frame: 3 },
        { status: 'annotation', type: 'consensus_replica', start_frame: 2, stop_frame: 3 },
        { status: 'annotation', type: 'ground_truth', start_frame: 1, stop_frame: 3, frames: [1, 3] },
      ],
    };
    const shape = (frame: number, label: string, extra: Obj = {}): Obj => ({
      type: 'rectangle',
      occluded: false,
      outside: false,
      z_order: 0,
      rotation: 0,
      points: [1, 1, 5, 5],
      frame,
      group: 0,
      source: 'manual',
      attributes: [],
      label,
      ...extra,
    });
    const empty = { version: 0, tags: [], shapes: [], tracks: [] };
    const annotations = [
      {
        ...empty,
        shapes: [
          shape(0, 'cat', { attributes: [{ name: 'age', value: '3' }] }),
          {
            ...shape(1, 'pose'),
            type: 'skeleton',
            points: [],
            elements: [{ ...shape(1, 'nose'), type: 'points', points: [2, 2] }],
          },
        ],
      },
      { ...empty, shapes: [shape(0, 'cat')] },
      empty,
      { ...empty, tags: [{ frame: 3, label: 'cat', group: 0, source: 'manual', attributes: [] }] },
      empty,
      empty,
      { ...empty, shapes: [shape(3, 'cat')] },
    ];
    const zip = zipBuffers([
      { name: 'task.json', data: Buffer.from(JSON.stringify(manifest)) },
      { name: 'annotations.json', data: Buffer.from(JSON.stringify(annotations)) },
      { name: 'data/index.json', data: Buffer.from('{}') },
      ...['0', '1', '2', '3'].map((n) => ({ name: `data/img_${n}.jpg`, data: jpeg(200 + Number(n), 100) })),
    ]);
    const form = new FormData();
    form.append('task_file', new Blob([new Uint8Array(zip)]), 'cvat.zip');
    const r = await api.call('POST', '/api/tasks/backup', { body: form, headers: { 'X-Organization': '' } });
    const rq = await api.wait(obj(r.body).rq_id as string);
    expect(rq).toMatchObject({ status: 'finished', result_id: expect.any(Number) });
    const restored = obj((await api.get(`/api/tasks/${String(rq.result_id)}`)).body);
    expect(restored).toMatchObject({
      name: 'from cvat',
      size: 4,
      segment_size: 2,
      overlap: 0,
      subset: 'train',
      consensus_enabled: true,
      validation_mode: 'gt',
    });
    const jobs = results(
      (
        await api.get(
          `/api/jobs?task_id=${String(restored.id)}&sort=id&page_size=all&filter=${encodeURIComponent('{"!":{"==":[{"var":"type"},"x"]}}')}`,
        )
      ).body,
    );
    expect(jobs.map((j) => j.type)).toEqual([
      'annotation',
      'consensus_replica',
      'consensus_replica',
      'annotation',
      'consensus_replica',
      'consensus_replica',
      'ground_truth',
    ]);
    expect(jobs[1]!.parent_job_id).toBe(jobs[0]!.id);
    expect(jobs[6]).toMatchObject({ start_frame: 0, stop_frame: 3, frame_count: 2 });
    const meta = obj((await api.get(`/api/tasks/${String(restored.id)}/data/meta`)).body);
    expect(meta).toMatchObject({ deleted_frames: [2], chunk_size: 2 });
    expect((meta.frames as Obj[]).map((f) => [f.name, f.width])).toEqual([
      ['img_0.jpg', 200],
      ['img_1.jpg', 201],
      ['img_2.jpg', 202],
      ['img_3.jpg', 203],
    ]);
    const ann = obj((await api.get(`/api/tasks/${String(restored.id)}/annotations`)).body);
    expect((ann.shapes as Obj[]).map((s) => [s.type, s.frame])).toEqual([
      ['rectangle', 0],
      ['skeleton', 1],
    ]);
    expect(ann.tags as Obj[]).toHaveLength(1);
    const labels = results((await api.get(`/api/labels?task_id=${String(restored.id)}`)).body);
    const pose = labels.find((l) => l.name === 'pose')!;
    const nose = (pose.sublabels as Obj[])[0]!;
    expect(pose.svg).toBe(`<circle data-label-id="${String(nose.id)}"></circle>`);
    expect(((ann.shapes as Obj[])[1]!.elements as Obj[])[0]!.label_id).toBe(nose.id);
  });

  it('backs up and restores a project with its tasks', async () => {
    const project = obj((await api.post('/api/projects', { name: 'proj', labels: [{ name: 'car' }] })).body);
    const t = await api.taskWithImages({ name: 'in project', project_id: project.id }, [
      ['z.png', png(3, 3)],
    ]);
    const label = results((await api.get(`/api/labels?project_id=${String(project.id)}`)).body)[0]!;
    await api.put(`/api/tasks/${String(t.id)}/annotations`, {
      shapes: [{ type: 'rectangle', frame: 0, label_id: label.id, points: [0, 0, 1, 1] }],
    });
    const { zip } = await exportAndDownload(`/api/projects/${String(project.id)}/backup/export`);
    expect(readZip(zip).map((e) => e.name)).toEqual(
      expect.arrayContaining([
        'project.json',
        'task_0/task.json',
        'task_0/annotations.json',
        'task_0/data/z.png',
      ]),
    );
    const form = new FormData();
    form.append('project_file', new Blob([new Uint8Array(zip)]), 'p.zip');
    const rq = await api.wait(
      obj((await api.call('POST', '/api/projects/backup', { body: form })).body).rq_id as string,
    );
    expect(rq.status).toBe('finished');
    const p = obj((await api.get(`/api/projects/${String(rq.result_id)}`)).body);
    expect(p).toMatchObject({ name: 'proj', tasks: expect.objectContaining({ count: 1 }) });
    const restoredTask = results((await api.get(`/api/tasks?project_id=${String(p.id)}`)).body)[0]!;
    const ann = obj((await api.get(`/api/tasks/${String(restoredTask.id)}/annotations`)).body);
    expect((ann.shapes as Obj[])[0]).toMatchObject({ type: 'rectangle', frame: 0 });
    const coco = readZip(
      (await exportAndDownload(`/api/projects/${String(p.id)}/dataset/export?format=COCO%201.0`)).zip,
    );
    const doc = JSON.parse(coco[0]!.read().toString()) as Obj;
    expect((doc.annotations as Obj[]).length).toBe(1);
  });

  it('imports a project dataset (COCO and CVAT XML with images) as new tasks with annotations', async () => {
    const project = obj((await api.post('/api/projects', { name: 'src', labels: [{ name: 'car' }] })).body);
    const t = await api.taskWithImages({ name: 'in project', project_id: project.id }, [
      ['p/1.png', png(5, 5)],
      ['p/2.png', png(6, 6)],
    ]);
    const label = results((await api.get(`/api/labels?project_id=${String(project.id)}`)).body)[0]!;
    await api.put(`/api/tasks/${String(t.id)}/annotations`, {
      shapes: [{ type: 'rectangle', frame: 1, label_id: label.id, points: [1, 1, 3, 3] }],
    });
    for (const format of ['COCO 1.0', 'CVAT for images 1.1']) {
      const { zip } = await exportAndDownload(
        `/api/projects/${String(project.id)}/dataset/export?format=${encodeURIComponent(format)}&save_images=true`,
      );
      const target = obj((await api.post('/api/projects', { name: 'dst', labels: [{ name: 'car' }] })).body);
      const form = new FormData();
      form.append('dataset_file', new Blob([new Uint8Array(zip)]), 'ds.zip');
      const importFormat = format === 'COCO 1.0' ? format : 'CVAT 1.1';
      const r = await api.call(
        'POST',
        `/api/projects/${String(target.id)}/dataset/?format=${encodeURIComponent(importFormat)}`,
        { body: form },
      );
      expect(r.status).toBe(202);
      const rq = await api.wait(obj(r.body).rq_id as string);
      expect([rq.status, rq.message]).toEqual(['finished', '']);
      const tasks = results((await api.get(`/api/tasks?project_id=${String(target.id)}`)).body);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]!.size).toBe(2);
      const ann = obj((await api.get(`/api/tasks/${String(tasks[0]!.id)}/annotations`)).body);
      expect((ann.shapes as Obj[]).map((s) => [s.type, s.frame, s.points])).toEqual([
        ['rectangle', 1, [1, 1, 3, 3]],
      ]);
    }
  });
});
