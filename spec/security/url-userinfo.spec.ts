import { runCli } from '../../src/cli/main';
import { clientBackendFactory } from '../../src/cli/client-backend';
import { passwordsInArgv } from '../../src/cli/parse';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { redactUrl } from '../../src/transport/redact';

/**
 * `--server-host http://user:pass@host` (#14.7): the password in the URL's userinfo never reaches
 * stdout or stderr, with `--debug`, through success, failure and refusal, in any of its forms,
 * even when it differs from the `--auth` password (which the scrubber already knew).
 */
const USER = 'canary';
const PASSWORD = 'CANARYpw-5b1e77';
const URL_PASSWORD = 'CANARYurl-9d04c2';
/** Typed percent-encoded in the URL; decoded, it holds `@` and `:` (the userinfo ends at the last `@`). */
const ODD_PASSWORD = 'CANARYodd@pw:x';

const forms = (secret: string): string[] => [
  secret,
  encodeURIComponent(secret),
  Buffer.from(`${USER}:${secret}`).toString('base64'),
];

function memory() {
  const chunks: string[] = [];
  return {
    isTTY: false,
    columns: 100,
    write: (chunk: string) => (chunks.push(chunk), true),
    get text() {
      return chunks.join('');
    },
  };
}

describe('a password in the server URL is never printed', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({
      port: 0,
      users: [{ username: USER, password: PASSWORD, is_superuser: true }],
      onError: () => undefined,
    });
  });
  afterAll(() => emu.close());

  const run = async (argv: string[], env: Record<string, string> = {}) => {
    const stdout = memory();
    const stderr = memory();
    const code = await runCli(argv, {
      backendFactory: clientBackendFactory,
      stdout,
      stderr,
      env,
      signals: () => () => undefined,
    });
    return { code, text: `${stdout.text}\n${stderr.text}` };
  };

  it('with --debug, through a login, a failed login and a refused connection', async () => {
    const port = new URL(emu.url).port;
    const outputs = [
      await run([
        '--debug',
        '--server-host',
        `http://${USER}:${URL_PASSWORD}@127.0.0.1:${port}`,
        '--auth',
        `${USER}:${PASSWORD}`,
        'task',
        'ls',
      ]),
      await run([
        '--debug',
        '--server-host',
        `http://${USER}:${URL_PASSWORD}@127.0.0.1`,
        '--server-port',
        port,
        '--auth',
        `${USER}:wrong-password`,
        'task',
        'ls',
      ]),
      await run([
        '--debug',
        `--server-host=http://${USER}:${encodeURIComponent(ODD_PASSWORD)}@127.0.0.1:9`,
        '--auth',
        `${USER}:${PASSWORD}`,
        'task',
        'ls',
      ]),
    ];
    // (axios sends a URL's userinfo as Basic auth, so these logins may fail: only the output matters.)
    expect(outputs[2]?.code).toBe(5);
    // The debug line names the server, without its userinfo.
    expect(outputs[0]?.text).toContain(`task ls on http://127.0.0.1:${port} as user "${USER}"`);
    for (const { text } of outputs) {
      for (const secret of [URL_PASSWORD, ODD_PASSWORD, PASSWORD].flatMap(forms))
        expect(text).not.toContain(secret);
    }
  }, 60_000);

  it('redactUrl removes userinfo with an @ in the password, and from a host without a scheme', () => {
    expect(redactUrl('http://u:p@ss@cvat:8080/api?x=1')).toBe('http://cvat:8080/api?x=1');
    expect(redactUrl('u:secret@cvat:8080')).toBe('cvat:8080');
    expect(redactUrl('http://cvat/api/users/a@b')).toBe('http://cvat/api/users/a@b');
    expect(redactUrl('/api/tasks?search=a@b')).toBe('/api/tasks?search=a@b');
  });

  it('the scrubber learns the URL password from argv, raw and decoded', () => {
    expect(passwordsInArgv(['--server-host', 'https://u:p%40w@cvat', '--auth', 'u:q'])).toEqual([
      'p%40w',
      'p@w',
      'q',
    ]);
    expect(passwordsInArgv(['--server-host=u:pw@cvat:8080'])).toEqual(['pw', 'pw']);
    expect(passwordsInArgv(['--server-host', 'http://cvat'])).toEqual([]);
  });
});
