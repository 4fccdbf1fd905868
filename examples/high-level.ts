/**
 * The high-level client: log in, check the server, create a project and tasks, follow a task's
 * data processing with `status$`, list with a typed filter, update, work in an organization, edit
 * annotations, and clean up. Every call is a cold Observable; `firstValueFrom`/`lastValueFrom`
 * only run them one after another here.
 *
 *   npx tsx examples/high-level.ts
 *
 * CVAT_HOST, CVAT_USER and CVAT_PASSWORD (or CVAT_ACCESS_TOKEN) select a server; without CVAT_HOST
 * the example starts the embedded emulator.
 */
import { firstValueFrom, lastValueFrom, take, tap, toArray } from 'rxjs';
import { makeClient } from '../src/client';
import type { Credentials, CvatClient } from '../src/client';
import { startEmulator } from '../src/emulator';
import type { Task } from '../src/entities';
import { RqId } from '../src/models';
import { filterFor } from '../src/pagination/filter';
import type { TaskFilterFields } from '../src/pagination/filter';

const tasksWhere = filterFor<TaskFilterFields>();

/** A 13-byte GIF header: enough for CVAT (and the emulator) to read the image size. */
function tinyGif(width: number, height: number, name: string): File {
  const bytes = new Uint8Array(13);
  bytes.set([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]);
  new DataView(bytes.buffer).setUint16(6, width, true);
  new DataView(bytes.buffer).setUint16(8, height, true);
  return new File([bytes], name, { type: 'image/gif' });
}

/**
 * Uploads images in one multipart request through the low-level API on the same transport
 * (`client.api`), then follows the processing with `task.status$`.
 */
async function uploadImages(client: CvatClient, task: Task, images: readonly File[]): Promise<void> {
  const [answer] = await firstValueFrom(
    client.api.tasksApi.createData(
      { id: task.id, body: { image_quality: 75, client_files: [...images] } },
      { contentType: 'multipart/form-data' },
    ),
  );
  if (RqId.is(answer)) console.log(`  data upload accepted as request ${answer.rq_id}`);
  await lastValueFrom(
    task.status$.pipe(
      tap((status) =>
        console.log(`  ${status.status} ${Math.round((status.progress ?? 0) * 100)}% ${status.message}`),
      ),
    ),
  );
}

async function main(): Promise<void> {
  const emulator = process.env['CVAT_HOST'] ? undefined : await startEmulator();
  try {
    const host = process.env['CVAT_HOST'] ?? emulator?.url ?? '';
    const token = process.env['CVAT_ACCESS_TOKEN'];
    const credentials: Credentials = token
      ? { token }
      : { username: process.env['CVAT_USER'] ?? 'admin', password: process.env['CVAT_PASSWORD'] ?? 'admin' };

    // Nothing is sent until something subscribes; login emits a new client using an API key.
    const client = await firstValueFrom(makeClient({ host }).login(credentials));
    const check = await firstValueFrom(client.checkServerVersion());
    const me = await firstValueFrom(client.users.retrieveCurrentUser());
    console.log(`logged in as ${me.username} on CVAT ${check.version} (supported: ${check.supported})`);

    const project = await firstValueFrom(
      client.projects.create({ name: 'high-level example', labels: [{ name: 'car' }, { name: 'person' }] }),
    );
    console.log(`project ${project.id}: ${project.name}`);

    const task = await firstValueFrom(client.tasks.create({ name: 'street', project_id: project.id }));
    console.log(`task ${task.id} created; uploading two images`);
    await uploadImages(client, task, [tinyGif(64, 48, 'a.gif'), tinyGif(64, 48, 'b.gif')]);

    // Snapshots are immutable: fetch() and update() emit new ones.
    const ready = await firstValueFrom(task.fetch());
    const renamed = await firstValueFrom(ready.update({ name: 'street, renamed' }));
    console.log(
      `task ${task.id}: "${task.name}" had ${task.size ?? 0} frames; now "${renamed.name}", ${ready.size} frames`,
    );

    for (let i = 0; i < 12; i += 1)
      await firstValueFrom(client.tasks.create({ name: `batch ${i}`, project_id: project.id }));
    // Lazy paging: take(3) makes a single request however long the list is.
    const firstThree = await lastValueFrom(
      client.tasks
        .list({ filter: tasksWhere.contains('name', 'batch'), sort: '-id', pageSize: 5 })
        .pipe(take(3), toArray()),
    );
    console.log(`newest batch tasks: ${firstThree.map((t) => t.name).join(', ')}`);
    console.log(`project tasks: ${(await lastValueFrom(project.tasks().pipe(toArray()))).length}`);

    // Annotations on the task's first job.
    const [job] = await lastValueFrom(renamed.jobs().pipe(toArray()));
    const [car] = await lastValueFrom(renamed.labels({ name: 'car' }).pipe(toArray()));
    if (job && car) {
      await firstValueFrom(
        job.updateAnnotations(
          {
            shapes: [
              { type: 'rectangle', frame: job.start_frame ?? 0, label_id: car.id, points: [4, 4, 20, 20] },
            ],
          },
          'create',
        ),
      );
      const annotations = await firstValueFrom(renamed.getAnnotations());
      console.log(`job ${job.id} now has ${annotations.shapes?.length ?? 0} shape(s)`);
    }

    // Organizations: a scoped client is a new client; the original stays unscoped.
    const org = await firstValueFrom(
      client.organizations.create({ slug: `example-${Date.now()}`, name: 'Example' }),
    );
    const inOrg = client.withOrganization(org.slug);
    await firstValueFrom(inOrg.tasks.create({ name: 'team task' }));
    const orgTasks = await lastValueFrom(inOrg.tasks.list().pipe(toArray()));
    console.log(`organization ${org.slug} has ${orgTasks.length} task(s)`);

    // Clean up; a 404 is reported per id rather than failing the batch.
    const outcomes = await firstValueFrom(client.tasks.removeByIds([...orgTasks.map((t) => t.id), 999999]));
    console.log(outcomes.map((o) => `${o.id}: ${o.outcome}`).join(', '));
    await firstValueFrom(project.remove());
    await firstValueFrom(org.remove());
    await firstValueFrom(client.logout());
  } finally {
    await emulator?.close();
  }
}

if (process.argv[1]?.endsWith('high-level.ts')) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
