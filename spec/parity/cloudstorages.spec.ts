import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { ResourceType } from '../../src/entities/operations';
import { ApiError } from '../../src/errors';
import { png, useEmulator } from './support';

const cloudDir = mkdtempSync(join(tmpdir(), 'cvat-rx-cloud-'));
mkdirSync(join(cloudDir, 'images', 'sub', 'deeper'), { recursive: true });
writeFileSync(join(cloudDir, 'images', 'a.png'), png(4, 4, 0x20));
writeFileSync(join(cloudDir, 'images', 'b.png'), png(4, 4, 0x40));
writeFileSync(join(cloudDir, 'images', 'notes.txt'), 'hello');
writeFileSync(join(cloudDir, 'images', 'sub', 'c.png'), png(6, 4, 0x60));
writeFileSync(join(cloudDir, 'images', 'sub', 'deeper', 'd.png'), png(6, 4, 0x80));
mkdirSync(join(cloudDir, 'empty'));
afterAll(() => rmSync(cloudDir, { recursive: true, force: true }));

const env = useEmulator({ cloudStorageDir: cloudDir });

const spec = (resource: string, extra: Record<string, unknown> = {}) => ({
  provider_type: 'AWS_S3_BUCKET' as const,
  resource,
  display_name: `bucket ${resource}`,
  credentials_type: 'KEY_SECRET_KEY_PAIR' as const,
  key: 'AKIAEXAMPLE',
  secret_key: 'not-so-secret',
  ...extra,
});

describe('client.cloudStorages against the emulator (a folder per bucket)', () => {
  it('create, retrieve, list, update and remove; credentials are never read back', async () => {
    const { client } = env();
    const storage = await firstValueFrom(client.cloudStorages.create(spec('images')));
    expect(storage).toMatchObject({ resource: 'images', provider_type: 'AWS_S3_BUCKET', manifests: [] });
    expect(JSON.stringify(storage.model)).not.toContain('not-so-secret');
    const listed = await lastValueFrom(client.cloudStorages.list({ resource: 'images' }).pipe(toArray()));
    expect(listed.map((s) => s.id)).toContain(storage.id);
    const renamed = await firstValueFrom(storage.update({ display_name: 'renamed' }));
    expect(renamed.display_name).toBe('renamed');
    expect((await firstValueFrom(client.cloudStorages.retrieve(storage.id))).display_name).toBe('renamed');
    await firstValueFrom(renamed.remove());
    await expect(firstValueFrom(client.cloudStorages.retrieve(storage.id))).rejects.toMatchObject({
      status: 404,
    });
  });

  it('refuses a missing bucket, missing credentials and a manifest that is not there', async () => {
    const { client } = env();
    const missing: unknown = await firstValueFrom(client.cloudStorages.create(spec('nope'))).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).status).toBe(400);
    expect(JSON.stringify((missing as ApiError).body)).toMatch(/resource/);
    await expect(
      firstValueFrom(client.cloudStorages.create(spec('images', { secret_key: undefined }))),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      firstValueFrom(client.cloudStorages.create(spec('images', { manifests: ['manifest.jsonl'] }))),
    ).rejects.toMatchObject({ status: 400 });
    await expect(firstValueFrom(client.cloudStorages.create(spec('../images')))).rejects.toMatchObject({
      status: 400,
    });
  });

  it('content is a lazy list over content-v2 pages, folders first; take(1) costs one request', async () => {
    const { client, lines } = env();
    const storage = await firstValueFrom(client.cloudStorages.create(spec('images')));
    const before = lines.length;
    const all = await lastValueFrom(storage.content({ pageSize: 2 }).pipe(toArray()));
    expect(all).toEqual([
      { name: 'sub', type: 'DIR', mime_type: 'DIR' },
      { name: 'a.png', type: 'REG', mime_type: 'image' },
      { name: 'b.png', type: 'REG', mime_type: 'image' },
      { name: 'notes.txt', type: 'REG', mime_type: 'unknown' },
    ]);
    expect(lines.slice(before).filter((l) => l.includes('content-v2'))).toHaveLength(2);
    const start = lines.length;
    await lastValueFrom(client.cloudStorages.content(storage.id, { pageSize: 1 }).pipe(take(1)));
    expect(lines.slice(start).filter((l) => l.includes('content-v2'))).toHaveLength(1);
    const sub = await lastValueFrom(
      client.cloudStorages.content(storage.id, { prefix: 'sub/' }).pipe(toArray()),
    );
    expect(sub.map((e) => e.name)).toEqual(['deeper', 'c.png']);
    const started = await lastValueFrom(storage.content({ prefix: 'b' }).pipe(toArray()));
    expect(started.map((e) => e.name)).toEqual(['b.png']);
    await expect(lastValueFrom(storage.content({ prefix: '../' }))).rejects.toMatchObject({ status: 400 });
  });

  it('status follows the bucket; preview is an image from it', async () => {
    const { client } = env();
    mkdirSync(join(cloudDir, 'gone'));
    const storage = await firstValueFrom(client.cloudStorages.create(spec('gone')));
    expect(await firstValueFrom(client.cloudStorages.status(storage.id))).toBe('AVAILABLE');
    rmSync(join(cloudDir, 'gone'), { recursive: true });
    expect(await firstValueFrom(storage.status())).toBe('NOT_FOUND');
    const images = await firstValueFrom(client.cloudStorages.create(spec('images')));
    const bytes = await firstValueFrom(images.preview());
    expect(Buffer.from(bytes).subarray(1, 4).toString('latin1')).toBe('PNG');
    const empty = await firstValueFrom(client.cloudStorages.create(spec('empty')));
    await expect(firstValueFrom(empty.preview())).rejects.toMatchObject({ status: 404 });
  });

  it('a task takes its data from a cloud storage (share resources + cloud_storage_id)', async () => {
    const { client } = env();
    const storage = await firstValueFrom(client.cloudStorages.create(spec('images')));
    const task = await firstValueFrom(
      client.tasks.createFromData({
        spec: { name: 'from cloud', labels: [{ name: 'car' }] },
        resourceType: ResourceType.Share,
        resources: ['sub/', 'a.png'],
        dataParams: { cloud_storage_id: storage.id },
      }),
    );
    expect(task.size).toBe(3);
    const meta = await firstValueFrom(task.meta());
    expect(meta).toMatchObject({ storage: 'cloud_storage', cloud_storage_id: storage.id });
    expect(meta.frames?.map((f) => f.name)).toEqual(['a.png', 'sub/c.png', 'sub/deeper/d.png']);
    const bad = await firstValueFrom(
      client.tasks.createFromData({
        spec: { name: 'escape', labels: [{ name: 'car' }] },
        resourceType: ResourceType.Share,
        resources: ['../empty'],
        dataParams: { cloud_storage_id: storage.id },
      }),
    ).catch((e: unknown) => e);
    expect((bad as { cause?: unknown }).cause).toMatchObject({ status: 400 });
  });
});
