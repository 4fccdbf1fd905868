import { concat, of } from 'rxjs';
import type { Created, TransferEvent } from '../../src/cli/backend';
import { processSignals, runCli } from '../../src/cli/main';
import { hanging, makeFakeFactory } from './fake-backend';
import { BASE_ENV, fakeSignals, MemoryStream } from './helpers';

function start(argv: string[], fake: ReturnType<typeof makeFakeFactory>, stderrTTY = false) {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream(stderrTTY);
  const signals = fakeSignals();
  const done = runCli(argv, {
    backendFactory: fake.factory,
    stdout,
    stderr,
    env: BASE_ENV,
    signals: signals.source,
  });
  return { stdout, stderr, signals, done };
}

describe('Ctrl-C', () => {
  it('SIGINT during an upload unsubscribes (teardown runs), says so, and exits 130', async () => {
    let tornDown = 0;
    const fake = makeFakeFactory({
      createTask: () =>
        concat(
          of<TransferEvent<Created>>({ type: 'progress', phase: 'upload', loaded: 5, total: 10 }),
          hanging<TransferEvent<Created>>(() => (tornDown += 1)),
        ),
    });
    const s = start(['task', 'create', 't', 'local', 'a.jpg'], fake);
    expect(tornDown).toBe(0);
    s.signals.fire('SIGINT');
    expect(await s.done).toBe(130);
    expect(tornDown).toBe(1);
    expect(s.stderr.lines.at(-1)).toBe('cvat-rx: interrupted');
    expect(s.stdout.text).toBe('');
    expect(s.signals.listeners()).toBe(0);
  });

  it('SIGINT on a terminal ends the bar (cursor shown again) before exiting', async () => {
    const fake = makeFakeFactory({
      createTask: () =>
        concat(
          of<TransferEvent<Created>>({ type: 'progress', phase: 'upload', loaded: 5, total: 10 }),
          hanging<TransferEvent<Created>>(() => undefined),
        ),
    });
    const s = start(['task', 'create', 't', 'local', 'a.jpg'], fake, true);
    s.signals.fire('SIGINT');
    expect(await s.done).toBe(130);
    const text = s.stderr.text;
    expect(text.lastIndexOf('\x1b[?25h')).toBeGreaterThan(text.lastIndexOf('\x1b[?25l'));
  });

  it('SIGTERM exits 143', async () => {
    let tornDown = false;
    const fake = makeFakeFactory({ listTasks: () => hanging(() => (tornDown = true)) });
    const s = start(['task', 'ls'], fake);
    s.signals.fire('SIGTERM');
    expect(await s.done).toBe(143);
    expect(tornDown).toBe(true);
  });

  it('stops listening once the command is over; a late signal changes nothing', async () => {
    const s = start(['task', 'ls'], makeFakeFactory());
    expect(await s.done).toBe(0);
    expect(s.signals.listeners()).toBe(0);
    s.signals.fire('SIGINT');
    expect(s.stderr.text).not.toContain('interrupted');
  });

  it('stops the emulator on SIGINT with exit 0', async () => {
    let closed = false;
    const fake = makeFakeFactory({}, () =>
      concat(
        of({ url: 'http://127.0.0.1:9' }),
        hanging<{ url: string }>(() => (closed = true)),
      ),
    );
    const s = start(['emulator'], fake);
    expect(s.stdout.text).toBe('http://127.0.0.1:9\n');
    s.signals.fire('SIGINT');
    expect(await s.done).toBe(0);
    expect(closed).toBe(true);
  });

  it('the default signal source adds and removes its process listeners', () => {
    const before = process.listenerCount('SIGINT');
    const received: string[] = [];
    const stop = processSignals((sig) => received.push(sig));
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.emit('SIGINT');
    expect(received).toEqual(['SIGINT']);
    stop();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
