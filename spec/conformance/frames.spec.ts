import { png } from '../emulator/helpers';
import { readZip } from '../../src/emulator/data/zip';
import { emptyTask, images } from './support/data';
import { cvatCase, useTarget } from './support/target';

/** Frames and chunks (#15 divergence 6). */
describe('conformance: frames and chunks', () => {
  const target = useTarget();
  let task: { id: number } | undefined;
  const sources = images(5, (i) => png(10 + i, 20 + i, 30 * i));

  /** One task of 5 PNG frames, chunks of 2, shared by the cases that only read. */
  async function readTask(): Promise<number> {
    task ??= (await target().admin.taskWithImages({ name: 'frames', labels: [{ name: 'car' }] }, sources, {
      chunk_size: '2',
    })) as { id: number };
    return task.id;
  }

  cvatCase(
    'compressed frames are JPEG (image/jpeg), the default quality; original frames keep the source bytes and type',
    'cvat/apps/engine/media_extractors.py ZipCompressedChunkWriter; frame_provider.py get_frame',
    async () => {
      const admin = target().admin;
      const id = await readTask();
      const compressed = await admin.get(`/api/tasks/${id}/data`, { query: { type: 'frame', number: 3 } });
      expect(compressed.status).toBe(200);
      expect(compressed.headers.get('content-type')).toBe('image/jpeg');
      expect(compressed.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
      const original = await admin.get(`/api/tasks/${id}/data`, {
        query: { type: 'frame', number: 3, quality: 'original' },
      });
      expect(original.headers.get('content-type')).toBe('image/png');
      expect(original.bytes.equals(sources[3]![1])).toBe(true);
    },
  );

  cvatCase(
    'chunk zips name their entries 000000.jpeg (compressed) or 000000.png (original), from 0 in every chunk',
    'cvat/apps/engine/media_extractors.py ZipChunkWriter / ZipCompressedChunkWriter.save_as_chunk',
    async () => {
      const admin = target().admin;
      const id = await readTask();
      const compressed = await admin.get(`/api/tasks/${id}/data`, { query: { type: 'chunk', number: 1 } });
      expect(compressed.headers.get('content-type')).toBe('application/zip');
      expect(readZip(compressed.bytes).map((e) => e.name)).toEqual(['000000.jpeg', '000001.jpeg']);
      const original = await admin.get(`/api/tasks/${id}/data`, {
        query: { type: 'chunk', number: 2, quality: 'original' },
      });
      const entries = readZip(original.bytes);
      expect(entries.map((e) => e.name)).toEqual(['000000.png']);
      expect(entries[0]!.read().equals(sources[4]![1])).toBe(true);
    },
  );

  cvatCase(
    'a chunk answers Range with 206 and Content-Range, an unsatisfiable range with 416',
    'cvat/apps/engine/views.py _DataGetter._make_ranged_chunk_response',
    async () => {
      const admin = target().admin;
      const id = await readTask();
      const query = { type: 'chunk', number: 0, quality: 'original' };
      const whole = await admin.get(`/api/tasks/${id}/data`, { query });
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      const size = whole.bytes.length;
      const part = await admin.get(`/api/tasks/${id}/data`, { query, headers: { Range: 'bytes=2-9' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 2-9/${size}`);
      expect(part.bytes.equals(whole.bytes.subarray(2, 10))).toBe(true);
      const tail = await admin.get(`/api/tasks/${id}/data`, { query, headers: { Range: 'bytes=-4' } });
      expect(tail.status).toBe(206);
      expect(tail.bytes.equals(whole.bytes.subarray(size - 4))).toBe(true);
      const beyond = await admin.get(`/api/tasks/${id}/data`, {
        query,
        headers: { Range: `bytes=${size}-` },
      });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
      const bad = await admin.get(`/api/tasks/${id}/data`, { query, headers: { Range: 'bytes=x' } });
      expect(bad.status).toBe(400);
      expect(bad.text).toBe('Invalid Range header');
    },
  );

  cvatCase(
    'a job chunk asked by both index and number is refused',
    'cvat/apps/engine/views.py _JobDataGetter.__init__',
    async () => {
      const admin = target().admin;
      const id = await readTask();
      const jobs = (await admin.get('/api/jobs', { query: { task_id: id } })).body as {
        results: Array<{ id: number }>;
      };
      const r = await admin.get(`/api/jobs/${jobs.results[0]!.id}/data`, {
        query: { type: 'chunk', index: 0, number: 0 },
      });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(['Number and Index cannot be used together']);
    },
  );

  cvatCase(
    'a frame out of range is a 400 with a JSON string body',
    'cvat/apps/engine/frame_provider.py TaskFrameProvider.validate_frame_number; views.py _DataGetter.__call__',
    async () => {
      const admin = target().admin;
      const id = await readTask();
      const r = await admin.get(`/api/tasks/${id}/data`, { query: { type: 'frame', number: 9 } });
      expect(r.status).toBe(400);
      expect(r.body).toBe("Invalid frame '9'. The frame number should be in the [0, 5] range");
    },
  );

  cvatCase(
    'a task without data: meta is a 400 "Data is not uploaded", a frame a 404, annotations a plain-text 400',
    'cvat/apps/engine/views.py TaskViewSet.metadata / _TaskDataGetter._get_media_provider / annotations',
    async () => {
      const admin = target().admin;
      const id = await emptyTask(admin);
      const meta = await admin.get(`/api/tasks/${id}/data/meta`);
      expect(meta.status).toBe(400);
      expect(meta.body).toEqual(['Data is not uploaded for the task yet']);
      const frame = await admin.get(`/api/tasks/${id}/data`, { query: { type: 'frame', number: 0 } });
      expect(frame.status).toBe(404);
      expect(frame.body).toBe('Task has no media');
      const annotations = await admin.get(`/api/tasks/${id}/annotations`);
      expect(annotations.status).toBe(400);
      expect(annotations.text).toBe('Exporting annotations from a task without data is not allowed');
    },
  );

  cvatCase(
    'previews are JPEG thumbnails; a task without data has none (plain-text 404)',
    'cvat/apps/engine/views.py TaskViewSet.preview; cache.py prepare_preview_image',
    async () => {
      const admin = target().admin;
      const id = await readTask();
      const preview = await admin.get(`/api/tasks/${id}/preview`);
      expect(preview.status).toBe(200);
      expect(preview.headers.get('content-type')).toBe('image/jpeg');
      const none = await admin.get(`/api/tasks/${await emptyTask(admin)}/preview`);
      expect(none.status).toBe(404);
      expect(none.text).toBe('Task image preview not found');
    },
  );
});
