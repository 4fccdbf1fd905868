/** `cvat-rx server check` (#16 item 14): the real backend in this process against the emulator. */
import { clientBackendFactory } from '../../src/cli/client-backend';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { run } from './helpers';

describe('cvat-rx server check', () => {
  let emu: RunningEmulator;
  const check = (argv: readonly string[], env: Record<string, string> = { USER: 'admin', PASS: 'admin' }) =>
    run(['--server-host', emu.url, 'server', 'check', ...argv], { factory: clientBackendFactory, env });

  beforeAll(async () => {
    // The emulator lets only loopback pages and the origins it is given call it, as a CVAT
    // server's CORS settings would.
    emu = await startEmulator({ allowedOrigins: ['https://app.example.com'] });
  });
  afterAll(() => emu.close());

  it('one line per check, all passing against the emulator, exit 0; nothing created', async () => {
    const before = JSON.stringify([
      ...emu.emulator.state.tasks.keys(),
      ...emu.emulator.state.projects.keys(),
    ]);
    const result = await check(['--origin', 'https://app.example.com']);
    expect(result.stderr.text).toBe('');
    expect(result.code).toBe(0);
    const names = result.stdout.lines.map((line) => line.slice(6).split(/\s+/)[0]);
    expect(names).toEqual([
      'reachable',
      'tls',
      'version',
      'auth',
      'organizations',
      'requests',
      'upload',
      'formats',
      'cors',
    ]);
    expect(result.stdout.lines.every((line) => line.startsWith('ok  '))).toBe(true);
    expect(result.stdout.text).toContain('2.73.1');
    expect(result.stdout.text).toContain('logged in as admin');
    expect(result.stdout.text).toContain('a page at https://app.example.com may upload');
    expect(JSON.stringify([...emu.emulator.state.tasks.keys(), ...emu.emulator.state.projects.keys()])).toBe(
      before,
    );
  });

  it('an origin the server does not allow fails the cors line and exits 1', async () => {
    const result = await check(['--origin', 'https://evil.example.org']);
    expect(result.code).toBe(1);
    expect(result.stdout.lines.at(-1)).toMatch(
      /^FAIL {2}cors +a page at https:\/\/evil\.example\.org may not call/,
    );
  });

  it('a wrong password fails the auth line and exits 1, the other lines still printed', async () => {
    const result = await check([], { USER: 'admin', PASS: 'wrong' });
    expect(result.code).toBe(1);
    expect(result.stdout.lines.find((line) => line.includes('auth'))).toMatch(/^FAIL {2}auth .*400/);
    expect(result.stdout.lines[0]).toMatch(/^ok {4}reachable/);
    expect(result.stderr.text).toContain('1 of');
  });

  it('an unreachable server is one failed line', async () => {
    const result = await run(['--server-host', 'http://127.0.0.1:9', 'server', 'check'], {
      factory: clientBackendFactory,
      env: { USER: 'admin', PASS: 'admin' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout.lines).toEqual([
      expect.stringMatching(/^FAIL {2}reachable +http:\/\/127\.0\.0\.1:9: /),
    ]);
  });

  it('--origin must be an origin (a usage error before anything is sent)', async () => {
    const result = await run(['server', 'check', '--origin', 'https://app.example.com/path']);
    expect(result.code).toBe(2);
    expect(result.calls).toEqual([]);
  });
});
