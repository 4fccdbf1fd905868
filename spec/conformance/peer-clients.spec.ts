import { png } from '../emulator/helpers';
import { cvatCase, useTarget } from './support/target';

/** What CVAT's own clients (cvat-sdk, cvat-cli; spec/peers) rely on from the server. */
describe('conformance: what cvat-sdk and cvat-cli rely on', () => {
  const target = useTarget();

  cvatCase(
    'a multipart file sent with a full path (as cvat-sdk sends it) is stored under its base name',
    'django/http/multipartparser.py: MultiPartParser.sanitize_file_name; cvat_sdk/core/uploading.py DataUploader',
    async () => {
      const admin = target().admin;
      const task = await admin.taskWithImages({ name: 'paths', labels: [{ name: 'car' }] }, [
        ['/home/someone/pictures/a.png', png(8, 8, 0x10)],
        ['C:\\Users\\someone\\b.png', png(8, 8, 0x20)],
      ]);
      const meta = await admin.get(`/api/tasks/${String(task.id)}/data/meta`);
      expect(meta.status).toBe(200);
      const frames = (meta.body as { frames: Array<{ name: string }> }).frames;
      expect(frames.map((f) => f.name)).toEqual(['a.png', 'b.png']);
    },
  );
});
