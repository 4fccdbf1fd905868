import type { RunningEmulator } from '../../src/emulator';
import { decode } from '../../src/emulator/data/codec';
import { readZip } from '../../src/emulator/data/zip';
import type { Api } from './helpers';
import { obj, png, results, withEmulator } from './helpers';

describe('emulator: frames, chunks, meta and annotations', () => {
  let emu: RunningEmulator;
  let api: Api;
  let task: Record<string, unknown>;
  let labels: Array<Record<string, unknown>>;
  const images: Array<[string, Buffer]> = Array.from({ length: 5 }, (_, i) => [
    `f${i}.png`,
    png(10 + i, 20 + i, i * 10),
  ]);

  beforeEach(async () => {
    ({ emu, api } = await withEmulator());
    task = await api.taskWithImages(
      {
        name: 'data',
        segment_size: 3,
        labels: [
          {
            name: 'car',
            attributes: [{ name: 'color', mutable: false, input_type: 'select', values: ['red', 'blue'] }],
          },
          { name: 'sk', type: 'skeleton', sublabels: [{ name: 'p1', type: 'points' }] },
        ],
      },
      images,
      { chunk_size: '2' },
    );
    labels = results((await api.get(`/api/labels?task_id=${String(task.id)}`)).body);
  });
  afterEach(() => emu.close());

  it('serves original frames with their content type, compressed ones as JPEG, and JPEG previews', async () => {
    const f = await api.get(`/api/tasks/${String(task.id)}/data?type=frame&number=3&quality=original`);
    expect(f.status).toBe(200);
    expect(f.headers.get('content-type')).toBe('image/png');
    expect(f.bytes.equals(images[3]![1])).toBe(true);
    const c = await api.get(`/api/tasks/${String(task.id)}/data?type=frame&number=3`);
    expect(c.headers.get('content-type')).toBe('image/jpeg');
    expect(decode(c.bytes, 'image/jpeg')).toMatchObject({ width: 13, height: 23 });
    expect((await api.get(`/api/tasks/${String(task.id)}/data?type=frame&number=9`)).status).toBe(400);
    const preview = await api.get(`/api/tasks/${String(task.id)}/preview`);
    expect(preview.headers.get('content-type')).toBe('image/jpeg');
    expect(decode(preview.bytes, 'image/jpeg')).toMatchObject({ width: 10, height: 20 });
    const jobs = results((await api.get(`/api/jobs?task_id=${String(task.id)}&sort=id`)).body);
    const jp = await api.get(`/api/jobs/${String(jobs[1]!.id)}/preview`);
    expect(jp.headers.get('content-type')).toBe('image/jpeg');
    const jf = await api.get(`/api/jobs/${String(jobs[1]!.id)}/data?type=frame&number=4&quality=original`);
    expect(jf.bytes.equals(images[4]![1])).toBe(true);
    expect((await api.get(`/api/jobs/${String(jobs[1]!.id)}/data?type=frame&number=0`)).status).toBe(400);
  });

  it('serves chunks as zip archives of frames (task number, job index)', async () => {
    const c = await api.get(`/api/tasks/${String(task.id)}/data?type=chunk&number=1&quality=original`);
    expect(c.headers.get('content-type')).toBe('application/zip');
    expect(c.headers.get('x-checksum')).toMatch(/^\d+$/);
    expect(c.headers.get('x-updated-date')).toEqual(expect.any(String));
    const entries = readZip(c.bytes);
    // Entries count from 0 in every chunk (ZipChunkWriter).
    expect(entries.map((e) => e.name)).toEqual(['000000.png', '000001.png']);
    expect(entries[1]!.read().equals(images[3]![1])).toBe(true);
    const jobs = results((await api.get(`/api/jobs?task_id=${String(task.id)}&sort=id`)).body);
    const jc = await api.get(`/api/jobs/${String(jobs[1]!.id)}/data?type=chunk&index=0&quality=compressed`);
    expect(readZip(jc.bytes).map((e) => e.name)).toEqual(['000000.jpeg', '000001.jpeg']);
  });

  it('reports data meta for tasks and jobs and deletes frames', async () => {
    const meta = obj((await api.get(`/api/tasks/${String(task.id)}/data/meta`)).body);
    expect(meta).toMatchObject({
      chunk_size: 2,
      size: 5,
      start_frame: 0,
      stop_frame: 4,
      deleted_frames: [],
      frame_filter: '',
      chunks_updated_date: expect.any(String),
    });
    const jobs = results((await api.get(`/api/jobs?task_id=${String(task.id)}&sort=id`)).body);
    const jm = obj((await api.get(`/api/jobs/${String(jobs[1]!.id)}/data/meta`)).body);
    expect(jm).toMatchObject({ size: 2, start_frame: 3, stop_frame: 4 });
    expect((jm.frames as unknown[]).length).toBe(2);
    const patched = await api.patch(`/api/tasks/${String(task.id)}/data/meta`, { deleted_frames: [1, 3] });
    expect(obj(patched.body).deleted_frames).toEqual([1, 3]);
    expect(obj((await api.get(`/api/jobs/${String(jobs[1]!.id)}/data/meta`)).body).deleted_frames).toEqual([
      3,
    ]);
  });

  it('round-trips annotations: PUT, GET, PATCH create/update/delete, DELETE, with ids', async () => {
    const car = labels.find((l) => l.name === 'car')!;
    const sk = labels.find((l) => l.name === 'sk')!;
    const p1 = (sk.sublabels as Array<Record<string, unknown>>)[0]!;
    const spec = (car.attributes as Array<Record<string, unknown>>)[0]!;
    const put = await api.put(`/api/tasks/${String(task.id)}/annotations/`, {
      version: 0,
      tags: [{ frame: 0, label_id: car.id, attributes: [] }],
      shapes: [
        {
          type: 'rectangle',
          frame: 1,
          label_id: car.id,
          points: [1, 2, 3, 4],
          attributes: [{ spec_id: spec.id, value: 'blue' }],
        },
        {
          type: 'skeleton',
          frame: 4,
          label_id: sk.id,
          points: [],
          elements: [{ type: 'points', frame: 4, label_id: p1.id, points: [5, 5] }],
        },
      ],
      tracks: [
        {
          frame: 0,
          label_id: car.id,
          shapes: [
            { type: 'rectangle', frame: 0, points: [0, 0, 1, 1] },
            { type: 'rectangle', frame: 2, points: [1, 1, 2, 2], outside: true },
          ],
        },
      ],
    });
    expect(put.status).toBe(200);
    const got = obj((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body);
    // CVAT's annotation `version` is a leftover: always 0.
    expect(got.version).toBe(0);
    const shapes = got.shapes as Array<Record<string, unknown>>;
    expect(shapes).toHaveLength(2);
    expect(shapes[0]).toMatchObject({
      id: expect.any(Number),
      type: 'rectangle',
      occluded: false,
      z_order: 0,
      source: 'manual',
      attributes: [{ spec_id: spec.id, value: 'blue' }],
    });
    expect((shapes[1]!.elements as Array<Record<string, unknown>>)[0]).toMatchObject({
      id: expect.any(Number),
      label_id: p1.id,
    });
    expect((got.tags as unknown[]).length).toBe(1);
    expect(got.tracks as unknown[]).toHaveLength(1);
    const jobs = results((await api.get(`/api/jobs?task_id=${String(task.id)}&sort=id`)).body);
    const jobAnn = obj((await api.get(`/api/jobs/${String(jobs[1]!.id)}/annotations`)).body);
    expect((jobAnn.shapes as unknown[]).length).toBe(1);
    const created = await api.call('PATCH', `/api/jobs/${String(jobs[0]!.id)}/annotations?action=create`, {
      json: { shapes: [{ type: 'polygon', frame: 2, label_id: car.id, points: [0, 0, 1, 0, 1, 1] }] },
    });
    const newId = (obj(created.body).shapes as Array<Record<string, unknown>>)[0]!.id;
    expect(newId).toEqual(expect.any(Number));
    const updated = await api.call('PATCH', `/api/tasks/${String(task.id)}/annotations?action=update`, {
      json: {
        shapes: [{ id: newId, type: 'polygon', frame: 2, label_id: car.id, points: [9, 9, 8, 8, 7, 7] }],
      },
    });
    expect(updated.status).toBe(200);
    const afterUpdate = obj((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body);
    expect(
      (afterUpdate.shapes as Array<Record<string, unknown>>).find((s) => s.id === newId)!.points,
    ).toEqual([9, 9, 8, 8, 7, 7]);
    // A delete names the objects in full, ids included (the serializer validates them as objects).
    const updatedShape = (afterUpdate.shapes as Array<Record<string, unknown>>).find((s) => s.id === newId)!;
    expect(
      (
        await api.call('PATCH', `/api/tasks/${String(task.id)}/annotations?action=delete`, {
          json: { shapes: [{ id: newId }] },
        })
      ).status,
    ).toBe(400);
    await api.call('PATCH', `/api/tasks/${String(task.id)}/annotations?action=delete`, {
      json: { shapes: [updatedShape] },
    });
    expect(
      (obj((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body).shapes as unknown[]).length,
    ).toBe(2);
    const bad = await api.put(`/api/tasks/${String(task.id)}/annotations`, {
      shapes: [{ type: 'rectangle', frame: 99, label_id: car.id, points: [0, 0, 1, 1] }],
    });
    expect(bad.status).toBe(400);
    const badLabel = await api.put(`/api/tasks/${String(task.id)}/annotations`, {
      shapes: [{ type: 'rectangle', frame: 0, label_id: 12345, points: [0, 0, 1, 1] }],
    });
    expect(badLabel.status).toBe(400);
    expect((await api.delete(`/api/jobs/${String(jobs[1]!.id)}/annotations`)).status).toBe(204);
    expect(
      (obj((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body).shapes as unknown[]).length,
    ).toBe(1);
    expect((await api.delete(`/api/tasks/${String(task.id)}/annotations`)).status).toBe(204);
    expect(obj((await api.get(`/api/tasks/${String(task.id)}/annotations`)).body)).toMatchObject({
      tags: [],
      shapes: [],
      tracks: [],
    });
    expect((await api.get(`/api/tasks/${String(task.id)}/annotations?format=COCO%201.0`)).status).toBe(410);
  });
});
