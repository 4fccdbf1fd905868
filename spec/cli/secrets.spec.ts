import { Observable, throwError } from 'rxjs';
import type { Created, TransferEvent } from '../../src/cli/backend';
import { runCli } from '../../src/cli/main';
import { ApiError, NetworkError, UsageError } from '../../src/errors';
import { makeFakeFactory } from './fake-backend';
import { FakeTtyInput, fakeSignals, MemoryStream, run } from './helpers';

const CANARY = 'CANARY-pw-7f3a9c';
const basic = (user: string) => Buffer.from(`${user}:${CANARY}`).toString('base64');

/** A lower layer that (wrongly) leaks the secret in every way it could. */
const leakyError = (basicUser: string | undefined) =>
  new NetworkError(
    `connect failed for ${CANARY}${basicUser ? ` (Authorization: Basic ${basic(basicUser)})` : ''}`,
    {
      cause: new Error(`inner ${CANARY} ${encodeURIComponent(CANARY)}`),
    },
  );

const leakyProgress = (): Observable<TransferEvent<Created>> =>
  new Observable((s) => {
    s.next({ type: 'progress', phase: 'processing', loaded: 1, total: 2, message: `token ${CANARY}` });
    s.next({ type: 'result', value: { id: 5 } });
    s.complete();
  });

function expectNoCanary(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(basic('bob'));
    expect(text).not.toContain(basic('alice'));
  }
}

describe('secrets never reach stdout or stderr', () => {
  const cases: Array<[string, string[], Record<string, string>]> = [
    ['--auth USER:PASS', ['--auth', `bob:${CANARY}`], {}],
    ['--auth=USER:PASS', [`--auth=bob:${CANARY}`], {}],
    ['PASS', ['--auth', 'bob'], { PASS: CANARY }],
    ['CVAT_ACCESS_TOKEN', [], { CVAT_ACCESS_TOKEN: CANARY, USER: 'alice' }],
  ];

  it.each(cases)('%s, with --debug, through success, progress and errors', async (_name, auth, env) => {
    const ok = await run(['--debug', ...auth, 'task', 'ls', '--json'], { env });
    expect(ok.code).toBe(0);
    // The secret did reach the backend, so the scrubbing is what keeps it off the screen.
    expect(JSON.stringify(ok.connections[0]?.credentials)).toContain(CANARY);
    ok.connections[0]?.debug?.(`GET /api/tasks?key=${CANARY}`);

    const progress = await run(['--debug', ...auth, 'task', 'create', 't', 'local', 'a'], {
      env,
      overrides: { createTask: leakyProgress },
    });
    const failed = await run(['--debug', ...auth, 'task', 'ls'], {
      env,
      overrides: {
        listTasks: () => throwError(() => leakyError(env['CVAT_ACCESS_TOKEN'] ? undefined : 'bob')),
      },
    });
    expect(failed.code).toBe(5);
    expect(failed.stderr.text).toContain('***');
    const auth401 = await run([...auth, 'task', 'ls'], {
      env,
      overrides: {
        listTasks: () =>
          throwError(
            () => new ApiError({ status: 401, method: 'GET', url: `http://u:${CANARY}@localhost/api/tasks` }),
          ),
      },
    });
    expect(auth401.code).toBe(3);
    expectNoCanary(
      ok.stdout.text,
      ok.stderr.text,
      progress.stdout.text,
      progress.stderr.text,
      failed.stdout.text,
      failed.stderr.text,
      auth401.stdout.text,
      auth401.stderr.text,
    );
  });

  it('a usage error on a command line that carries a password does not show it', async () => {
    const r = await run(['--debug', '--auth', `bob:${CANARY}`, 'task', 'create', '--bogus']);
    expect(r.code).toBe(2);
    expectNoCanary(r.stdout.text, r.stderr.text);
    const u = await run(['--auth', `bob:${CANARY}`, 'task', 'ls'], {
      overrides: { listTasks: () => throwError(() => new UsageError(`bad ${CANARY}`)) },
    });
    expectNoCanary(u.stderr.text);
  });

  it('a password typed at the prompt is scrubbed too', async () => {
    const stdin = new FakeTtyInput();
    const stderr = new MemoryStream();
    const stdout = new MemoryStream();
    const fake = makeFakeFactory({ listTasks: () => throwError(() => leakyError('bob')) });
    const done = runCli(['--debug', '--auth', 'bob', 'task', 'ls'], {
      backendFactory: fake.factory,
      stdout,
      stderr,
      stdin,
      env: {},
      signals: fakeSignals().source,
    });
    stdin.type(`${CANARY}\n`);
    expect(await done).toBe(5);
    expectNoCanary(stdout.text, stderr.text);
  });
});
