import { defaultUser, splitAuth } from '../../src/cli/credentials';
import { runCli } from '../../src/cli/main';
import { makeFakeFactory } from './fake-backend';
import { FakeTtyInput, fakeSignals, MemoryStream, run } from './helpers';

describe('credentials', () => {
  it('splitAuth splits at the first colon only', () => {
    expect(splitAuth('bob')).toEqual({ username: 'bob', password: undefined });
    expect(splitAuth('bob:')).toEqual({ username: 'bob', password: undefined });
    expect(splitAuth('bob:pa:ss')).toEqual({ username: 'bob', password: 'pa:ss' });
  });

  it('defaultUser follows getpass.getuser: LOGNAME, USER, LNAME, USERNAME, then the OS', () => {
    expect(defaultUser({ USER: 'u', LOGNAME: 'l' })).toBe('l');
    expect(defaultUser({ USERNAME: 'w' })).toBe('w');
    expect(defaultUser({}, () => 'os-user')).toBe('os-user');
    expect(() =>
      defaultUser({}, () => {
        throw new Error('no passwd entry');
      }),
    ).toThrow('cannot determine the user name');
  });

  it.each([
    [['--auth', 'bob:pw1'], {}, { kind: 'password', username: 'bob', password: 'pw1' }],
    [['--auth', 'bob'], { PASS: 'from-env' }, { kind: 'password', username: 'bob', password: 'from-env' }],
    [['--auth', 'bob:pa:ss'], { PASS: 'ignored' }, { kind: 'password', username: 'bob', password: 'pa:ss' }],
    [[], { CVAT_ACCESS_TOKEN: 'tok-123', USER: 'alice' }, { kind: 'token', token: 'tok-123' }],
    [
      ['--auth', 'bob:pw1'],
      { CVAT_ACCESS_TOKEN: 'tok-123' },
      { kind: 'password', username: 'bob', password: 'pw1' },
    ],
    [[], { USER: 'alice', PASS: 'p' }, { kind: 'password', username: 'alice', password: 'p' }],
  ])('%j with env %j connects with %j', async (auth, env, credentials) => {
    const r = await run([...auth, 'task', 'ls'], { env });
    expect(r.code).toBe(0);
    expect(r.connections[0]?.credentials).toEqual(credentials);
  });

  it('--auth with an empty user name is a usage error', async () => {
    const r = await run(['--auth', ':pw', 'task', 'ls'], { env: {} });
    expect(r.code).toBe(2);
  });

  it('without a password and without a terminal: usage error, nothing connected', async () => {
    const r = await run(['--auth', 'bob', 'task', 'ls'], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr.text).toContain('a password is required');
    expect(r.connections).toEqual([]);
  });

  it('the emulator needs no credentials', async () => {
    const { of } = await import('rxjs');
    const fake = makeFakeFactory({}, () => of({ url: 'http://127.0.0.1:1' }));
    const r = await run(['emulator'], { env: {}, factory: fake.factory });
    expect(r.code).toBe(0);
  });
});

describe('password prompt on a terminal', () => {
  const start = (argv: string[]) => {
    const stdin = new FakeTtyInput();
    const stdout = new MemoryStream();
    const stderr = new MemoryStream();
    const fake = makeFakeFactory();
    const signals = fakeSignals();
    const done = runCli(argv, {
      backendFactory: fake.factory,
      stdout,
      stderr,
      stdin,
      env: {},
      signals: signals.source,
    });
    return { stdin, stdout, stderr, fake, signals, done };
  };

  it('prompts on stderr with echo off, edits with backspace, and restores the terminal', async () => {
    const s = start(['--auth', 'bob', '--server-host', 'http://cvat:8080', 'task', 'ls']);
    expect(s.stderr.text).toBe('Password for bob at http://cvat:8080: ');
    expect(s.stdin.rawModes).toEqual([true]);
    s.stdin.type('hunter2x');
    s.stdin.type('\u007f2\r');
    expect(await s.done).toBe(0);
    expect(s.stdin.rawModes).toEqual([true, false]);
    expect(s.stdin.listenerCount('data')).toBe(0);
    expect(s.fake.connections[0]?.credentials).toEqual({
      kind: 'password',
      username: 'bob',
      password: 'hunter22',
    });
    expect(s.stderr.text).not.toContain('hunter');
    expect(s.stdout.text).toBe('1\n2\n');
  });

  it('Ctrl-C at the prompt exits 130 and restores the terminal', async () => {
    const s = start(['--auth', 'bob', 'task', 'ls']);
    s.stdin.type('abc\u0003');
    expect(await s.done).toBe(130);
    expect(s.stdin.rawModes).toEqual([true, false]);
    expect(s.fake.connections).toEqual([]);
  });

  it('SIGINT while the prompt waits exits 130 and restores the terminal', async () => {
    const s = start(['--auth', 'bob', 'task', 'ls']);
    s.signals.fire('SIGINT');
    expect(await s.done).toBe(130);
    expect(s.stdin.rawModes).toEqual([true, false]);
  });

  it('Ctrl-D on an empty prompt is a usage error', async () => {
    const s = start(['--auth', 'bob', 'task', 'ls']);
    s.stdin.type('\u0004');
    expect(await s.done).toBe(2);
  });
});
