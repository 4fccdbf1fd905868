import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { firstValueFrom, from, lastValueFrom, mergeMap, take, toArray } from 'rxjs';
import { makeClient } from '../../src/client';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { ApiError, isApiError } from '../../src/errors';
import { collectAll } from '../../src/pagination/paginate';
import { filterFor } from '../../src/pagination/filter';
import type { TaskFilterFields } from '../../src/pagination/filter';
import type { Interceptor, TransportRequest } from '../../src/transport/types';
import { RqId } from '../../src/models';

/** A valid grey RGB PNG. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([head, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x80)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every request the client sends, as `METHOD path?query`, to count them. */
function requestLog(): { readonly lines: string[]; readonly interceptor: Interceptor } {
  const lines: string[] = [];
  const describe = (req: TransportRequest) => {
    const query = Object.entries(req.query ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('&');
    return `${req.method} ${req.url}${query ? `?${query}` : ''}`;
  };
  return {
    lines,
    interceptor: (req, next) => {
      lines.push(describe(req));
      return next(req);
    },
  };
}

const tasksFilter = filterFor<TaskFilterFields>();

describe('the high-level client against the emulator', () => {
  let server: RunningEmulator;
  let client: CvatClient;
  let shareDir: string;
  const log = requestLog();

  beforeAll(async () => {
    shareDir = mkdtempSync(join(tmpdir(), 'cvat-rx-share-'));
    writeFileSync(join(shareDir, 'a.png'), png(8, 6));
    writeFileSync(join(shareDir, 'b.png'), png(8, 6));
    server = await startEmulator({
      port: 0,
      shareDir,
      processingDelayMs: 5,
      users: [
        { username: 'admin', password: 'admin', is_superuser: true, email: 'admin@example.org' },
        { username: 'worker', password: 'worker', email: 'worker@example.org' },
      ],
    });
    const anonymous = makeClient({
      host: server.url,
      config: { transport: { interceptors: [log.interceptor] }, logger: { warn: () => undefined } },
    });
    client = await firstValueFrom(anonymous.login({ username: 'admin', password: 'admin' }));
    await firstValueFrom(client.checkServerVersion());
  });
  afterAll(async () => {
    await server.close();
    rmSync(shareDir, { recursive: true, force: true });
  });

  const createTasks = (names: readonly string[], target: CvatClient = client) =>
    lastValueFrom(
      from(names).pipe(
        mergeMap((name) => target.tasks.create({ name, labels: [{ name: 'car' }] }), 8),
        toArray(),
      ),
    );

  describe('lists over 250+ items', () => {
    beforeAll(async () => {
      await createTasks(
        Array.from(
          { length: 260 },
          (_, i) => `bulk-${i % 2 === 0 ? 'even' : 'odd'}-${String(i).padStart(3, '0')}`,
        ),
      );
    });

    it('list() emits every item, paging lazily with the default page size', async () => {
      const start = log.lines.length;
      const items = await lastValueFrom(client.tasks.list({ search: 'bulk-' }).pipe(toArray()));
      expect(items).toHaveLength(260);
      expect(new Set(items.map((t) => t.id)).size).toBe(260);
      // 260 items at 100 per page: three requests.
      expect(log.lines.slice(start).filter((l) => l.startsWith('GET /api/tasks?'))).toHaveLength(3);
    });

    it('a typed JSON-Logic filter narrows the list on the server', async () => {
      const filter = tasksFilter.and(tasksFilter.contains('name', 'bulk-odd'), tasksFilter.gte('id', 1));
      const odd = await lastValueFrom(
        client.tasks.list({ filter, pageSize: 50, sort: '-id' }).pipe(toArray()),
      );
      expect(odd).toHaveLength(130);
      expect(odd.every((t) => t.name?.includes('odd'))).toBe(true);
      const ids = odd.map((t) => t.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });

    it('take(5) costs exactly one request', async () => {
      const start = log.lines.length;
      const five = await lastValueFrom(client.tasks.list({ search: 'bulk-' }).pipe(take(5), toArray()));
      expect(five).toHaveLength(5);
      expect(log.lines.slice(start)).toEqual(['GET /api/tasks?search=bulk-&page=1&page_size=100']);
    });

    it('prefetch keeps the order and the items', async () => {
      const items = await lastValueFrom(
        client.tasks.list({ search: 'bulk-', pageSize: 40, prefetch: 2, sort: 'id' }).pipe(toArray()),
      );
      const ids = items.map((t) => t.id);
      expect(ids).toHaveLength(260);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    });

    it('collectAll needs a limit and refuses to cut a longer list silently', async () => {
      await expect(
        firstValueFrom(collectAll(client.tasks.list({ search: 'bulk-' }), { limit: 100 })),
      ).rejects.toMatchObject({
        name: 'UsageError',
      });
      const all = await firstValueFrom(collectAll(client.tasks.list({ search: 'bulk-' }), { limit: 300 }));
      expect(all).toHaveLength(260);
    });
  });

  describe('a 1,000-item list', () => {
    it('is read in 10 requests of 100 (and in 1 when only 5 items are taken)', async () => {
      await createTasks(Array.from({ length: 1000 }, (_, i) => `thousand-${i}`));
      const start = log.lines.length;
      const items = await lastValueFrom(client.tasks.list({ search: 'thousand-' }).pipe(toArray()));
      expect(items).toHaveLength(1000);
      const requests = log.lines.slice(start);
      expect(requests).toHaveLength(10);
      const startTake = log.lines.length;
      await lastValueFrom(client.tasks.list({ search: 'thousand-' }).pipe(take(5), toArray()));
      expect(log.lines.length - startTake).toBe(1);
      // The server's own default page size (10) would have cost 100 requests.
    });
  });

  describe('organizations', () => {
    it('a task created in an organization is listed there and not in the personal workspace', async () => {
      const org = await firstValueFrom(client.organizations.create({ slug: 'acme', name: 'Acme' }));
      expect(org.slug).toBe('acme');
      const inOrg = client.withOrganization('acme');
      const personal = client.withOrganization('');
      const [created] = await createTasks(['org-scoped-task'], inOrg);
      await createTasks(['personal-task'], personal);
      const orgNames = (await lastValueFrom(inOrg.tasks.list({ search: '-task' }).pipe(toArray()))).map(
        (t) => t.name,
      );
      const personalNames = (
        await lastValueFrom(personal.tasks.list({ search: '-task' }).pipe(toArray()))
      ).map((t) => t.name);
      const allNames = (await lastValueFrom(client.tasks.list({ search: '-task' }).pipe(toArray()))).map(
        (t) => t.name,
      );
      expect(orgNames).toEqual(['org-scoped-task']);
      expect(personalNames).toEqual(['personal-task']);
      expect(allNames.sort()).toEqual(['org-scoped-task', 'personal-task']);
      expect(created!.organization).toBe(org.id);
      // The original client is untouched by withOrganization.
      expect(client.organization).toBeUndefined();
      // Members of the organization: the owner.
      const members = await lastValueFrom(org.members().pipe(toArray()));
      expect(members.map((m) => m.user.username)).toEqual(['admin']);
    });
  });

  describe('memberships and invitations', () => {
    it('an invitation is accepted by the invitee, who then appears among the members', async () => {
      const org = await firstValueFrom(client.organizations.create({ slug: 'team', name: 'Team' }));
      const invitation = await firstValueFrom(
        client.withOrganization('team').invitations.create({ email: 'worker@example.org', role: 'worker' }),
      );
      expect(invitation.role).toBe('worker');
      await firstValueFrom(invitation.resend());

      const worker = await firstValueFrom(
        makeClient({ host: server.url }).login({ username: 'worker', password: 'worker' }),
      );
      const mine = await lastValueFrom(worker.invitations.list().pipe(toArray()));
      expect(mine.map((i) => i.id)).toEqual([invitation.id]);
      await expect(firstValueFrom(mine[0]!.accept())).resolves.toEqual({ organization_slug: 'team' });

      const members = await lastValueFrom(org.members({ sort: 'id' }).pipe(toArray()));
      expect(members.map((m) => [m.user.username, m.role])).toEqual([
        ['admin', 'owner'],
        ['worker', 'worker'],
      ]);
      const promoted = await firstValueFrom(members[1]!.update({ role: 'supervisor' }));
      expect(promoted.role).toBe('supervisor');
      await firstValueFrom(promoted.remove());
      expect((await lastValueFrom(org.members().pipe(toArray()))).length).toBe(1);
    });
  });

  describe('update and remove', () => {
    it('update emits a new snapshot, fetch sees it, remove deletes it', async () => {
      const [task] = await createTasks(['to-rename']);
      const renamed = await firstValueFrom(task!.update({ name: 'renamed' }));
      expect(renamed.name).toBe('renamed');
      expect(task!.name).toBe('to-rename');
      expect((await firstValueFrom(task!.fetch())).name).toBe('renamed');
      await firstValueFrom(renamed.remove());
      const error = await firstValueFrom(client.tasks.retrieve(task!.id)).catch((e: unknown) => e);
      expect(isApiError(error) && error.status).toBe(404);
    });

    it('removeByIds reports deleted and not_found per id', async () => {
      const tasks = await createTasks(['del-1', 'del-2']);
      const ids = tasks.map((t) => t.id);
      const outcomes = await firstValueFrom(client.tasks.removeByIds([...ids, 987654]));
      expect(outcomes).toEqual([
        { id: ids[0], outcome: 'deleted' },
        { id: ids[1], outcome: 'deleted' },
        { id: 987654, outcome: 'not_found' },
      ]);
    });

    it('projects: create, list their tasks, update labels, remove', async () => {
      const project = await firstValueFrom(
        client.projects.create({ name: 'proj', labels: [{ name: 'person' }] }),
      );
      await firstValueFrom(client.tasks.create({ name: 'in-project', project_id: project.id }));
      const tasks = await lastValueFrom(project.tasks().pipe(toArray()));
      expect(tasks.map((t) => t.name)).toEqual(['in-project']);
      const labels = await lastValueFrom(project.labels().pipe(toArray()));
      expect(labels.map((l) => l.name)).toEqual(['person']);
      await firstValueFrom(project.remove());
    });
  });

  describe('server requests', () => {
    it('requests.watch(rq_id) and task.status$ follow the data processing to the end', async () => {
      const [task] = await createTasks(['with-data']);
      const [answer] = await firstValueFrom(
        client.api.tasksApi.createData({
          id: task!.id,
          body: { image_quality: 70, server_files: ['a.png', 'b.png'] },
        }),
      );
      if (!RqId.is(answer)) throw new Error('createData did not answer with an rq_id');
      const statuses = await lastValueFrom(
        client.requests.watch(answer.rq_id, { minDelayMs: 5, maxDelayMs: 20 }).pipe(toArray()),
      );
      expect(statuses[statuses.length - 1]).toMatchObject({ id: answer.rq_id, status: 'finished' });
      const last = await lastValueFrom(task!.status$);
      expect(last.status).toBe('finished');
      const fresh = await firstValueFrom(task!.fetch());
      expect(fresh.size).toBe(2);
      const jobs = await lastValueFrom(fresh.jobs().pipe(toArray()));
      expect(jobs.length).toBeGreaterThan(0);
      const labels = await lastValueFrom(fresh.labels().pipe(toArray()));
      expect(labels.map((l) => l.name)).toEqual(['car']);

      // Annotations round trip on the first job.
      const job = jobs[0]!;
      const shape = {
        type: 'rectangle' as const,
        frame: job.start_frame ?? 0,
        label_id: labels[0]!.id,
        points: [0, 0, 4, 4],
      };
      const created = await firstValueFrom(job.updateAnnotations({ shapes: [shape] }, 'create'));
      expect(created.shapes).toHaveLength(1);
      expect((await firstValueFrom(fresh.getAnnotations())).shapes).toHaveLength(1);
      // What getAnnotations() gave goes back as it is: the client drops the ids a PUT may not carry.
      const current = await firstValueFrom(fresh.getAnnotations());
      await firstValueFrom(fresh.setAnnotations(current));
      const before = current.shapes ?? [];
      const after = (await firstValueFrom(fresh.getAnnotations())).shapes ?? [];
      expect(after.map((s) => s.points)).toEqual(before.map((s) => s.points));
      expect(after[0]!.id).not.toBe(before[0]!.id);
      // ...and a delete by id sends the objects in full.
      await firstValueFrom(fresh.removeAnnotations([after[0]!.id!]));
      expect((await firstValueFrom(fresh.getAnnotations())).shapes).toHaveLength(0);
      await firstValueFrom(fresh.removeAnnotations());
      expect((await firstValueFrom(job.getAnnotations())).shapes).toHaveLength(0);
    });
  });

  describe('bad input', () => {
    it('an invalid spec gives an ApiError carrying the server field errors', async () => {
      const error = await firstValueFrom(client.tasks.create({ name: '' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(isApiError(error) && error.status).toBe(400);
      expect(isApiError(error) && error.fieldErrors.name).toEqual([expect.stringContaining('blank')]);
    });
  });

  describe('users', () => {
    it('retrieveCurrentUser() is the logged-in user', async () => {
      const me = await firstValueFrom(client.users.retrieveCurrentUser());
      expect(me.username).toBe('admin');
    });
  });
});
