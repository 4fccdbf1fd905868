import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { CvatClient } from '../../src/client';
import type { Credentials } from '../../src/client/options';
import type { LabeledData } from '../../src/models';
import { makeNodeClient } from '../../src/node';
import { useTarget } from '../conformance/support/target';
import { png } from '../emulator/helpers';

/**
 * A whole client lifecycle with cvat-rx: against the emulator in `npm test`, against a real CVAT
 * with `npm run test:live` (CVAT_HOST and CVAT_USER/CVAT_PASSWORD or CVAT_ACCESS_TOKEN; the
 * organization part with a second user needs CVAT_USER2/CVAT_PASSWORD2).
 *
 * Safe on a production server: every object is named with the run's unique prefix, registered as
 * soon as it exists, and removed at the end (newest first), whether the run passed or not. Lists
 * are always narrowed to that prefix, and nothing else is ever changed.
 */

/** The credentials of the run's users: from the environment on a live server, else the emulator's. */
function credentials(live: boolean): { main: Credentials; worker?: Credentials } {
  const env = process.env;
  if (!live)
    return {
      main: { username: 'admin', password: 'admin' },
      worker: { username: 'user2', password: 'user2-pass' },
    };
  const main: Credentials = env.CVAT_ACCESS_TOKEN
    ? { token: env.CVAT_ACCESS_TOKEN }
    : { username: env.CVAT_USER ?? '', password: env.CVAT_PASSWORD ?? '' };
  const worker =
    env.CVAT_USER2 && env.CVAT_PASSWORD2
      ? { username: env.CVAT_USER2, password: env.CVAT_PASSWORD2 }
      : undefined;
  return { main, worker };
}

const count = (a: LabeledData) => ({
  tags: a.tags?.length ?? 0,
  shapes: a.shapes?.length ?? 0,
  tracks: a.tracks?.length ?? 0,
});
/** Width and height from a PNG's IHDR chunk. */
const pngSize = (b: Uint8Array) => {
  const v = Buffer.from(b);
  return [v.readUInt32BE(16), v.readUInt32BE(20)];
};

describe('cvat-rx client lifecycle (the emulator, or CVAT_HOST with npm run test:live)', () => {
  const target = useTarget();
  let client: CvatClient;
  let worker: CvatClient | undefined;
  let dir: string;
  const images: Array<[string, Buffer]> = [
    ['a.png', png(32, 24, 0x20)],
    ['b.png', png(16, 40, 0x90)],
    ['c.png', png(24, 24, 0xe0)],
  ];
  let files: string[] = [];
  let projectId = 0;
  let bulkTaskId = 0;
  let tusTaskId = 0;
  let car = 0;

  beforeAll(async () => {
    const t = target();
    const creds = credentials(t.kind === 'live');
    client = await firstValueFrom(makeNodeClient({ host: t.url }).login(creds.main));
    if (creds.worker) worker = await firstValueFrom(makeNodeClient({ host: t.url }).login(creds.worker));
    dir = mkdtempSync(join(tmpdir(), 'cvat-rx-lifecycle-'));
    files = images.map(([name, data]) => {
      writeFileSync(join(dir, name), data);
      return join(dir, name);
    });
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Registers a created object for removal at the end (the harness deletes newest first). */
  const created = (path: string, org?: string): void => target().track(path, target().admin, org);

  it('creates a project, lists it by the run prefix only', async () => {
    const project = await firstValueFrom(
      client.projects.create({
        name: target().name('project'),
        labels: [{ name: 'car' }, { name: 'person' }],
      }),
    );
    projectId = project.id;
    created(`/api/projects/${projectId}`);
    const listed = await lastValueFrom(client.projects.list({ search: target().prefix }).pipe(toArray()));
    expect(listed.map((p) => p.id)).toEqual([projectId]);
    const labels = await lastValueFrom(project.labels().pipe(toArray()));
    car = labels.find((l) => l.name === 'car')!.id;
  });

  it('creates a task from bulk-uploaded data, and one from TUS-uploaded data followed by status$', async () => {
    const bulk = await firstValueFrom(
      client.tasks.createFromData({
        spec: { name: target().name('bulk'), project_id: projectId },
        resources: files,
        dataParams: { image_quality: 70 },
      }),
    );
    bulkTaskId = bulk.id;
    created(`/api/tasks/${bulkTaskId}`);
    expect(bulk.size).toBe(3);

    const tus = await firstValueFrom(
      client.tasks.create({ name: target().name('tus'), project_id: projectId }),
    );
    tusTaskId = tus.id;
    created(`/api/tasks/${tusTaskId}`);
    // Every file is larger than a 1-byte request: each one goes by TUS.
    const uploaded = await firstValueFrom(
      tus.uploadData(
        { resources: files, dataParams: { image_quality: 70 } },
        { upload: { maxRequestSize: 1 } },
      ),
    );
    expect(uploaded.size).toBe(3);
    const status = await lastValueFrom(tus.status$);
    expect(status.status).toBe('finished');
  });

  it('reads frames: the original of each image has its size (and, on the emulator, its bytes)', async () => {
    const task = await firstValueFrom(client.tasks.retrieve(bulkTaskId));
    const meta = await firstValueFrom(task.meta());
    expect(meta.frames?.map((f) => [f.width, f.height])).toEqual([
      [32, 24],
      [16, 40],
      [24, 24],
    ]);
    for (const [i, [, data]] of images.entries()) {
      const frame = await firstValueFrom(task.frame(i, { quality: 'original' }));
      expect(pngSize(frame)).toEqual(pngSize(data));
      if (target().kind === 'emulator') expect(Buffer.from(frame).equals(data)).toBe(true);
    }
  });

  it('round-trips annotations: set, get, set what get returned, update', async () => {
    const task = await firstValueFrom(client.tasks.retrieve(bulkTaskId));
    await firstValueFrom(
      task.setAnnotations({
        tags: [{ frame: 1, label_id: car, attributes: [] }],
        shapes: [
          { type: 'rectangle', frame: 0, label_id: car, points: [1, 2, 10, 12], attributes: [] },
          { type: 'polygon', frame: 2, label_id: car, points: [1, 1, 5, 1, 5, 5], attributes: [] },
        ],
      }),
    );
    const first = await firstValueFrom(task.getAnnotations());
    expect(count(first)).toEqual({ tags: 1, shapes: 2, tracks: 0 });
    await firstValueFrom(task.setAnnotations(first));
    expect(count(await firstValueFrom(task.getAnnotations()))).toEqual({ tags: 1, shapes: 2, tracks: 0 });
    await firstValueFrom(
      task.updateAnnotations(
        { shapes: [{ type: 'points', frame: 1, label_id: car, points: [3, 3], attributes: [] }] },
        'create',
      ),
    );
    expect(count(await firstValueFrom(task.getAnnotations()))).toEqual({ tags: 1, shapes: 3, tracks: 0 });
  });

  it('exports the dataset and imports it back', async () => {
    const task = await firstValueFrom(client.tasks.retrieve(bulkTaskId));
    const before = count(await firstValueFrom(task.getAnnotations()));
    const file = join(dir, 'dataset.zip');
    await lastValueFrom(task.exportDataset('CVAT for images 1.1', file, { includeImages: false }));
    await firstValueFrom(task.removeAnnotations());
    expect(count(await firstValueFrom(task.getAnnotations()))).toEqual({ tags: 0, shapes: 0, tracks: 0 });
    await lastValueFrom(task.importAnnotations('CVAT 1.1', file));
    expect(count(await firstValueFrom(task.getAnnotations()))).toEqual(before);
  });

  it('backs the task up and restores it as a new task', async () => {
    const task = await firstValueFrom(client.tasks.retrieve(bulkTaskId));
    const file = join(dir, 'backup.zip');
    await lastValueFrom(task.downloadBackup(file));
    const restored = await lastValueFrom(client.tasks.createFromBackup(file));
    created(`/api/tasks/${restored.id}`);
    expect(restored.id).not.toBe(bulkTaskId);
    expect(restored.size).toBe(3);
    expect(count(await firstValueFrom(restored.getAnnotations()))).toEqual(
      count(await firstValueFrom(task.getAnnotations())),
    );
  });

  it('works in an organization with a second user in the worker role', async () => {
    const slug = `rx${Date.now().toString(36).slice(-6)}${randomBytes(2).toString('hex')}`;
    const org = await firstValueFrom(client.organizations.create({ slug, name: target().name('org') }));
    created(`/api/organizations/${org.id}`);
    const inOrg = client.withOrganization(slug);
    const task = await firstValueFrom(
      inOrg.tasks.createFromData({
        spec: { name: target().name('org-task'), labels: [{ name: 'car' }] },
        resources: files.slice(0, 1),
        dataParams: { image_quality: 70 },
      }),
    );
    created(`/api/tasks/${task.id}`, slug);
    expect(task.organization).toBe(org.id);
    const personal = await lastValueFrom(
      client.withOrganization('').tasks.list({ search: target().prefix }).pipe(toArray()),
    );
    expect(personal.map((t) => t.id)).not.toContain(task.id);
    if (!worker) return; // CVAT_USER2/CVAT_PASSWORD2 not given for this server.

    const workerUser = await firstValueFrom(worker.users.retrieveCurrentUser());
    const invitation = await firstValueFrom(
      inOrg.invitations.create({ role: 'worker', email: workerUser.email ?? '' }),
    );
    await firstValueFrom((await firstValueFrom(worker.invitations.retrieve(invitation.id))).accept());
    const members = await lastValueFrom(org.members().pipe(toArray()));
    expect(members.find((m) => m.user.username === workerUser.username)?.role).toBe('worker');

    // The owner assigns the job; the worker annotates it; the owner reads the result.
    const [job] = await lastValueFrom(task.jobs().pipe(toArray()));
    await firstValueFrom(job!.update({ assignee: workerUser.id }));
    const workerJob = await firstValueFrom(worker.withOrganization(slug).jobs.retrieve(job!.id));
    const label = (await lastValueFrom(workerJob.labels().pipe(toArray())))[0]!;
    await firstValueFrom(
      workerJob.setAnnotations({
        shapes: [{ type: 'rectangle', frame: 0, label_id: label.id, points: [0, 0, 4, 4], attributes: [] }],
      }),
    );
    expect(count(await firstValueFrom(task.getAnnotations()))).toEqual({ tags: 0, shapes: 1, tracks: 0 });
  });
});
