import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { clientBackendFactory } from '../../src/cli/client-backend';
import { authStorePath } from '../../src/cli/auth-store';
import { run } from '../cli/helpers';
import { useEmulator } from './support';

const env = useEmulator();
const home = mkdtempSync(join(tmpdir(), 'cvat-rx-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const ENV = { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), USER: 'nobody' };

const cli = (argv: readonly string[]) => run(argv, { factory: clientBackendFactory, env: ENV });

describe('cvat-rx profile, config and --profile (cvat-sdk auth.json)', () => {
  it('profile create saves server and token (0600 file), list and default show it, --profile uses it', async () => {
    const { client, server } = env();
    const token = await firstValueFrom(client.accessTokens.create({ name: 'cli-profile' }));
    const url = new URL(server.url);
    const created = await cli([
      '--server-host',
      `${url.protocol}//${url.hostname}`,
      '--server-port',
      url.port,
      'profile',
      'create',
      'emu',
      token.value!,
      '--set-default',
    ]);
    expect({ code: created.code, out: created.stdout.lines }).toEqual({
      code: 0,
      out: [`Saved profile "emu" for ${server.url} (set as default).`],
    });
    const path = authStorePath(ENV);
    expect(path).toBe(join(home, '.config', 'cvat-sdk', 'auth.json'));
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      version: 1,
      profiles: { emu: { server: server.url, token: token.value } },
    });
    expect((await cli(['profile', 'list'])).stdout.lines).toEqual([`emu\t${server.url}\t(default)`]);
    expect((await cli(['profile', 'default'])).stdout.lines).toEqual(['emu']);

    const viaProfile = await cli(['--profile', 'emu', 'task', 'ls']);
    expect(viaProfile.code).toBe(0);
    // The default profile applies without --auth, CVAT_ACCESS_TOKEN and --server-host.
    expect((await cli(['project', 'ls'])).code).toBe(0);
    expect(viaProfile.stderr.text).not.toContain(token.value!);

    expect((await cli(['--profile', 'emu', '--auth', 'admin:admin', 'task', 'ls'])).code).toBe(2);
    expect((await cli(['--profile', 'nope', 'task', 'ls'])).code).toBe(2);
    expect((await cli(['profile', 'create', 'emu', 'other'])).code).toBe(2);
    expect((await cli(['profile', 'delete', 'emu'])).stdout.lines).toEqual(['Removed profile "emu".']);
    expect((await cli(['profile', 'list', '--quiet'])).stdout.lines).toEqual([]);
    expect((await cli(['profile', 'default'])).code).toBe(2);
  });

  it('config default-server prints, sets and unsets the server used without --server-host', async () => {
    expect((await cli(['config', 'default-server'])).stdout.lines).toEqual(['(no default server set)']);
    expect((await cli(['config', 'default-server', 'http://cvat.example:8080'])).code).toBe(0);
    expect((await cli(['config', 'default-server'])).stdout.lines).toEqual(['http://cvat.example:8080']);
    expect((await cli(['config', 'default-server', 'x', '--unset'])).code).toBe(2);
    expect((await cli(['config', 'default-server', '--unset'])).stdout.lines).toEqual([
      'Default server cleared.',
    ]);
    expect(existsSync(authStorePath(ENV))).toBe(true);
  });
});
