import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import type { Task } from '../../src/entities';
import { UsageError } from '../../src/errors';
import { connectNode } from '../../src/node';
import { png } from '../emulator/helpers';

// #17 item 1: a task whose default target storage is a cloud storage. Before, `location` was never
// sent, so CVAT (and the emulator, which follows it) exported into the bucket and the client
// failed with "finished without a result_url". Now a path means `location=local`.
let emu: RunningEmulator;
let client: CvatClient;
let work: string;
let bucket: string;
let task: Task;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cvat-rx-targets-'));
  bucket = join(work, 'bucket');
  mkdirSync(bucket);
  // The emulator's cloud storages are folders of `cloudStorageDir`: bucket "bucket" is `work/bucket`.
  emu = await startEmulator({ cloudStorageDir: work });
  client = await firstValueFrom(
    connectNode({ host: emu.url, credentials: { username: 'admin', password: 'admin' } }),
  );
  writeFileSync(join(work, 'a.png'), png(8, 8));
  const storage = await firstValueFrom(
    client.cloudStorages.create({
      provider_type: 'AWS_S3_BUCKET',
      resource: 'bucket',
      display_name: 'bucket',
      credentials_type: 'ANONYMOUS_ACCESS',
    }),
  );
  expect(storage.id).toBe(1);
  task = await lastValueFrom(
    client.tasks.createFromData({
      spec: {
        name: 'cloud target',
        labels: [{ name: 'car' }],
        target_storage: { location: 'cloud_storage', cloud_storage_id: 1 },
      },
      resources: [join(work, 'a.png')],
    }),
  );
});

afterAll(async () => {
  await emu.close();
  rmSync(work, { recursive: true, force: true });
});

const bucketFiles = (): string[] => readdirSync(bucket).sort();

it('the emulator, as CVAT, exports into the default cloud target when no location is sent', async () => {
  const [body] = await firstValueFrom(
    client.api.tasksApi.createDatasetExport({ id: task.id, format: 'COCO 1.0' }),
  );
  const statuses = await lastValueFrom(client.requests.watch(body.rq_id));
  expect(statuses.status).toBe('finished');
  expect(statuses.resultUrl ?? null).toBeNull();
  expect(bucketFiles()).toHaveLength(1);
  for (const name of bucketFiles()) rmSync(join(bucket, name));
});

it('exportDataset to a path downloads locally (location=local), creating the missing folders', async () => {
  const target = join(work, 'out', 'nested', 'cars.zip');
  const saved = await lastValueFrom(task.exportDataset('COCO 1.0', target));
  expect(saved.path).toBe(target);
  expect(existsSync(target)).toBe(true);
  expect(bucketFiles()).toEqual([]);
});

it('a folder target gets the file name the server proposes', async () => {
  const folder = join(work, 'backups');
  mkdirSync(folder);
  const saved = await lastValueFrom(task.downloadBackup(folder, { lightweight: true }));
  expect(saved.path.startsWith(join(folder, 'task_cloud_target_backup_'))).toBe(true);
  expect(readdirSync(folder)).toHaveLength(1);
});

it('a cloud storage target leaves the file in the bucket and says where it went', async () => {
  const result = await lastValueFrom(
    task.exportDataset('COCO 1.0', { location: 'cloud_storage', cloudStorageId: 1, filename: 'cars.zip' }),
  );
  expect(result).toMatchObject({ location: 'cloud_storage', cloudStorageId: 1, filename: 'cars.zip' });
  expect(bucketFiles()).toEqual(['cars.zip']);
});

it('a bad destination is found before the server does any work', async () => {
  writeFileSync(join(work, 'blocker'), '');
  const before = emu.emulator.state.requests.size;
  await expect(
    lastValueFrom(task.exportDataset('COCO 1.0', join(work, 'blocker', 'x.zip'))),
  ).rejects.toBeInstanceOf(UsageError);
  expect(emu.emulator.state.requests.size).toBe(before);
});
