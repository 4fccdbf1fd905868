import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { of } from 'rxjs';
import type { Subscription } from 'rxjs';
import { runEmulator } from '../../src/cli/client-backend';
import { exposureWarning } from '../../src/cli/emulator-args';
import { makeFakeFactory } from './fake-backend';
import { run } from './helpers';

/** `cvat-rx emulator` flags (#16.13) and the warning for an exposed default password (#14.2). */
describe('cvat-rx emulator flags', () => {
  const started = () => makeFakeFactory({}, () => of({ url: 'http://127.0.0.1:8080' }));

  it('passes --host, --share-dir, --user, --processing-delay-ms, --allow-origin and --allow-host', async () => {
    const fake = started();
    const r = await run(
      [
        'emulator',
        '--port=0',
        '--host',
        '127.0.0.1',
        '--share-dir',
        '/srv/share',
        '--user',
        'bob:pa:ss',
        '--processing-delay-ms',
        '5',
        '--allow-origin',
        'https://app.example.com, http://localhost:4200',
        '--allow-host',
        'cvat.lan',
      ],
      { factory: fake.factory },
    );
    expect(r.code).toBe(0);
    expect(fake.emulatorArgs).toEqual([
      {
        port: 0,
        host: '127.0.0.1',
        shareDir: '/srv/share',
        user: { username: 'bob', password: 'pa:ss' },
        processingDelayMs: 5,
        allowedOrigins: ['https://app.example.com', 'http://localhost:4200'],
        allowedHosts: ['cvat.lan'],
      },
    ]);
    expect(r.stderr.text).not.toMatch(/warning/);
  });

  it.each([
    [['--user', 'bob'], /--user: expected NAME:PASS/],
    [['--user', ':pw'], /--user: expected NAME:PASS/],
    [['--user', 'bob:'], /--user: expected NAME:PASS/],
    [['--processing-delay-ms', '-1'], /--processing-delay-ms/],
    [['--processing-delay-ms', 'soon'], /--processing-delay-ms/],
    [['--allow-origin', 'https://app.example.com/path'], /--allow-origin: "https:\/\/app.example.com\/path"/],
    [['--allow-origin', 'ftp://x'], /--allow-origin/],
    [['--host', ''], /--host/],
  ])('refuses %j as a usage error', async (flags, message) => {
    const fake = started();
    const r = await run(['emulator', ...flags], { factory: fake.factory });
    expect(r.code).toBe(2);
    expect(r.stderr.text).toMatch(message);
    expect(fake.emulatorArgs).toEqual([]);
  });

  it('warns when it listens beyond this machine with the default password', async () => {
    const exposed = started();
    const r = await run(['emulator', '--host', '0.0.0.0'], { factory: exposed.factory });
    expect(r.code).toBe(0);
    expect(r.stderr.text).toMatch(/warning: the emulator listens on 0\.0\.0\.0 with the default password/);
    expect(r.stdout.text).toBe('http://127.0.0.1:8080\n');

    const strong = started();
    const s = await run(['emulator', '--host', '0.0.0.0', '--user', 'admin:correct-horse'], {
      factory: strong.factory,
    });
    expect(s.stderr.text).not.toMatch(/warning/);
    // The password given to --user is never echoed.
    expect(s.stderr.text + s.stdout.text).not.toContain('correct-horse');

    expect(exposureWarning({ host: '192.168.1.5', user: { username: 'x', password: 'admin' } })).toMatch(
      /warning/,
    );
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2', undefined])
      expect(exposureWarning(host === undefined ? {} : { host })).toBeUndefined();
  });

  it('the real emulator logs in with --user, serves --share-dir and refuses admin:admin', async () => {
    const share = mkdtempSync(join(tmpdir(), 'cvat-rx-cli-share-'));
    writeFileSync(join(share, 'a.png'), 'x');
    const status$ = runEmulator({
      host: '127.0.0.1',
      port: 0,
      shareDir: share,
      user: { username: 'bob', password: 's3cret' },
      processingDelayMs: 0,
    });
    let subscription: Subscription | undefined;
    const url = await new Promise<string>((resolve, reject) => {
      subscription = status$.subscribe({ next: (s) => resolve(s.url), error: reject });
    });
    try {
      const basic = (user: string, pw: string) => ({
        Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`,
      });
      const self = await fetch(`${url}/api/users/self`, { headers: basic('bob', 's3cret') });
      expect(self.status).toBe(200);
      expect(((await self.json()) as { username: string; is_superuser: boolean }).is_superuser).toBe(true);
      expect((await fetch(`${url}/api/users/self`, { headers: basic('admin', 'admin') })).status).toBe(401);
      const listed = await fetch(`${url}/api/server/share?directory=/`, { headers: basic('bob', 's3cret') });
      expect(((await listed.json()) as Array<{ name: string }>).map((e) => e.name)).toEqual(['a.png']);
    } finally {
      subscription?.unsubscribe();
      rmSync(share, { recursive: true, force: true });
    }
  });
});
