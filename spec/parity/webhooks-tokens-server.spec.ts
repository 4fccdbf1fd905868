import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { makeClient } from '../../src/client';
import { ApiError } from '../../src/errors';
import { useEmulator } from './support';

const env = useEmulator();

/** A loopback receiver of webhook deliveries: answers 201 with a body, remembers what came. */
function receiver(): Promise<{
  url: string;
  got: Array<{ headers: Record<string, unknown>; body: string }>;
  server: Server;
}> {
  const got: Array<{ headers: Record<string, unknown>; body: string }> = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
      res.writeHead(201, { 'Content-Type': 'text/plain' }).end('received');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server }),
    ),
  );
}

describe('webhooks: ping, deliveries, redelivery', () => {
  it('ping posts a signed ping to the target; deliveries list it; redelivery sends it again', async () => {
    const { client } = env();
    const hook = await receiver();
    try {
      const project = await firstValueFrom(
        client.projects.create({ name: 'hooked', labels: [{ name: 'car' }] }),
      );
      const webhook = await firstValueFrom(
        client.webhooks.create({
          target_url: hook.url,
          type: 'project',
          project_id: project.id,
          events: ['create:task', 'update:task'],
          secret: 's3cret',
          content_type: 'application/json',
        }),
      );
      expect(webhook).toMatchObject({ type: 'project', project_id: project.id, target_url: hook.url });
      expect(JSON.stringify(webhook.model)).not.toContain('s3cret');

      const delivery = await firstValueFrom(webhook.ping());
      expect(delivery).toMatchObject({
        webhook_id: webhook.id,
        event: 'ping',
        status_code: 201,
        redelivery: false,
      });
      expect(delivery.response).toBe('received');
      expect(hook.got).toHaveLength(1);
      const sent = hook.got[0]!;
      const signature = `sha256=${createHmac('sha256', 's3cret').update(sent.body).digest('hex')}`;
      expect(sent.headers['x-signature-256']).toBe(signature);
      expect(JSON.parse(sent.body)).toMatchObject({ event: 'ping', webhook: { id: webhook.id } });

      await firstValueFrom(webhook.redeliver(delivery.id!));
      expect(hook.got).toHaveLength(2);
      const deliveries = await lastValueFrom(webhook.deliveries().pipe(toArray()));
      expect(deliveries.map((d) => d.redelivery)).toEqual([true, false]);
      expect((await firstValueFrom(webhook.delivery(delivery.id!))).event).toBe('ping');
      expect((await firstValueFrom(webhook.fetch())).last_status).toBe(201);
      const events = await firstValueFrom(client.webhooks.events('project'));
      const keys = events.events?.map((e) => e.key);
      expect(keys).toContain('create:task');
      expect(keys).not.toContain('create:membership');
    } finally {
      hook.server.close();
    }
  });

  it('a ping to a target that does not answer is a delivery without a status code', async () => {
    const { client } = env();
    const hook = await receiver();
    const url = hook.url;
    await new Promise((resolve) => hook.server.close(resolve));
    const project = await firstValueFrom(client.projects.create({ name: 'dead', labels: [{ name: 'car' }] }));
    const webhook = await firstValueFrom(
      client.webhooks.create({
        target_url: url,
        type: 'project',
        project_id: project.id,
        events: ['create:task'],
      }),
    );
    expect(await firstValueFrom(client.webhooks.ping(webhook.id))).toMatchObject({
      status_code: null,
      event: 'ping',
    });
  });

  it('bad webhooks are refused: unknown events, a project webhook without project, an organization webhook outside one', async () => {
    const { client } = env();
    const project = await firstValueFrom(
      client.projects.create({ name: 'strict', labels: [{ name: 'car' }] }),
    );
    const url = 'http://127.0.0.1:9/x';
    await expect(
      firstValueFrom(
        client.webhooks.create({
          target_url: url,
          type: 'project',
          project_id: project.id,
          events: ['create:membership'],
        }),
      ),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      firstValueFrom(client.webhooks.create({ target_url: url, type: 'project', events: ['create:task'] })),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      firstValueFrom(
        client.webhooks.create({ target_url: url, type: 'organization', events: ['create:task'] }),
      ),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('access tokens', () => {
  it('create shows the value once; the token works; list; revoke stops it', async () => {
    const { client, server } = env();
    const created = await firstValueFrom(client.accessTokens.create({ name: 'ci', read_only: true }));
    expect(typeof created.value).toBe('string');
    const viaToken = makeClient({
      host: server.url,
      credentials: { token: created.value! },
      config: { logger: { warn: () => undefined } },
    });
    expect((await firstValueFrom(viaToken.accessTokens.current())).id).toBe(created.id);
    const listed = await lastValueFrom(client.accessTokens.list({ name: 'ci' }).pipe(toArray()));
    expect(listed.map((t) => t.id)).toContain(created.id);
    expect(listed.every((t) => t.value === undefined || t.value === '')).toBe(true);
    expect((await firstValueFrom(client.accessTokens.update(created.id!, { name: 'ci-2' }))).name).toBe(
      'ci-2',
    );
    await firstValueFrom(client.accessTokens.revoke(created.id!));
    const error: unknown = await firstValueFrom(viaToken.users.retrieveCurrentUser()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
  });
});

describe('client.server', () => {
  it('formats lists importers and exporters', async () => {
    const { client } = env();
    const formats = await firstValueFrom(client.server.formats());
    expect(formats.importers.map((f) => f.name)).toContain('CVAT 1.1');
    expect(formats.exporters.map((f) => f.name)).toContain('COCO 1.0');
    expect(typeof (await firstValueFrom(client.server.about())).version).toBe('string');
  });

  it('share is a lazy list: folders walked only when reached, with paths server_files takes', async () => {
    const { client, shareDir, lines } = env();
    mkdirSync(join(shareDir, 'nested', 'deep'), { recursive: true });
    writeFileSync(join(shareDir, 'nested', 'x.png'), 'x');
    writeFileSync(join(shareDir, 'nested', 'deep', 'y.png'), 'y');
    const top = await lastValueFrom(client.server.share().pipe(toArray()));
    expect(top.map((e) => e.path)).toEqual(expect.arrayContaining(['f0.png', 'nested']));
    const all = await lastValueFrom(client.server.share('nested', { recursive: true }).pipe(toArray()));
    expect(all.map((e) => [e.path, e.type])).toEqual([
      ['nested/deep', 'DIR'],
      ['nested/deep/y.png', 'REG'],
      ['nested/x.png', 'REG'],
    ]);
    const before = lines.length;
    await lastValueFrom(client.server.share('', { recursive: true }).pipe(take(1)));
    expect(lines.slice(before).filter((l) => l.includes('/api/server/share'))).toHaveLength(1);
  });
});

describe('annotation guides', () => {
  it('a task guide: create, read, update, remove; the task names it in guide_id', async () => {
    const { client } = env();
    const task = await firstValueFrom(client.tasks.create({ name: 'guided', labels: [{ name: 'car' }] }));
    const guide = await firstValueFrom(client.guides.create({ taskId: task.id }, '# Cars\nBox every car.'));
    expect(guide).toMatchObject({ task_id: task.id, project_id: null, markdown: '# Cars\nBox every car.' });
    expect((await firstValueFrom(task.fetch())).guide_id).toBe(guide.id);
    await expect(firstValueFrom(client.guides.create({ taskId: task.id }, 'again'))).rejects.toMatchObject({
      status: 400,
    });
    expect((await firstValueFrom(client.guides.update(guide.id!, 'Box cars.'))).markdown).toBe('Box cars.');
    expect((await firstValueFrom(client.guides.retrieve(guide.id!))).markdown).toBe('Box cars.');
    await firstValueFrom(client.guides.remove(guide.id!));
    await expect(firstValueFrom(client.guides.retrieve(guide.id!))).rejects.toMatchObject({ status: 404 });
  });
});
