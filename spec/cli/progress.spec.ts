import { Observable } from 'rxjs';
import type { CliProgressEvent, Created, TransferEvent } from '../../src/cli/backend';
import { BarProgress, describeProgress, formatBytes, LineProgress } from '../../src/cli/progress';
import { MemoryStream, run } from './helpers';

const MiB = 1024 * 1024;
const ev = (
  phase: CliProgressEvent['phase'],
  loaded: number,
  total?: number,
  extra: Partial<CliProgressEvent> = {},
) => ({ type: 'progress', phase, loaded, total, ...extra }) as const;

describe('progress text', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12.3 * MiB)).toBe('12.3 MiB');
    expect(formatBytes(3 * 1024 * MiB)).toBe('3.00 GiB');
  });

  it('describes each phase', () => {
    expect(describeProgress(ev('upload', 12.3 * MiB, 27 * MiB))).toBe('upload 45% 12.3 MiB/27.0 MiB');
    expect(describeProgress(ev('download', 5 * MiB))).toBe('download 5.0 MiB');
    expect(describeProgress(ev('processing', 0.4, 1, { message: 'Compressing images' }))).toBe(
      'processing 40% Compressing images',
    );
    expect(describeProgress(ev('download', 3, 10, { unit: 'items' }))).toBe('download 30% 3/10');
  });
});

describe('LineProgress (stderr is not a TTY)', () => {
  it('prints the first event of a phase, completion and message changes, and otherwise one line per second', () => {
    const lines: string[] = [];
    let now = 0;
    const p = new LineProgress(
      (l) => lines.push(l),
      () => now,
    );
    p.update(ev('upload', 0, 100 * MiB));
    now = 100;
    p.update(ev('upload', 10 * MiB, 100 * MiB)); // throttled
    now = 1100;
    p.update(ev('upload', 50 * MiB, 100 * MiB)); // a second later
    now = 1200;
    p.update(ev('upload', 60 * MiB, 100 * MiB)); // throttled
    p.update(ev('upload', 100 * MiB, 100 * MiB)); // completion always shows
    p.update(ev('upload', 100 * MiB, 100 * MiB)); // but only once
    p.update(ev('processing', 0, 100, { message: 'Queued' }));
    p.update(ev('processing', 10, 100, { message: 'Queued' })); // throttled
    p.update(ev('processing', 20, 100, { message: 'Compressing' })); // new message
    p.stop();
    expect(lines).toEqual([
      'upload 0% 0 B/100.0 MiB',
      'upload 50% 50.0 MiB/100.0 MiB',
      'upload 100% 100.0 MiB/100.0 MiB',
      'processing 0% Queued',
      'processing 20% Compressing',
    ]);
  });

  it('says a phase is complete once, even when its message changes afterwards', () => {
    const lines: string[] = [];
    const p = new LineProgress((l) => lines.push(l));
    p.update(ev('processing', 0, 100));
    p.update(ev('processing', 100, 100, { message: 'Media files are being extracted' }));
    p.update(ev('processing', 100, 100)); // the final status, message cleared
    p.update(ev('download', 0, 10));
    expect(lines).toEqual([
      'processing 0%',
      'processing 100% Media files are being extracted',
      'download 0% 0 B/10 B',
    ]);
  });

  it('task create on a pipe: plain progress lines on stderr, only the id on stdout', async () => {
    const r = await run(['task', 'create', 't', 'local', 'a.jpg']);
    expect(r.code).toBe(0);
    expect(r.stdout.text).toBe('42\n');
    expect(r.stderr.lines).toEqual([
      'upload 0% 0 B/20.0 MiB',
      'upload 100% 20.0 MiB/20.0 MiB',
      'processing 0% Queued',
      'processing 100% Finished',
    ]);
    expect(r.stderr.text).not.toContain('\x1b');
  });

  it('task export-dataset on a pipe shows processing then download', async () => {
    const r = await run(['task', 'export-dataset', '1', 'out.zip']);
    expect(r.stderr.lines).toEqual([
      'processing 50% Exporting',
      'download 0% 0 B/4.0 MiB',
      'download 100% 4.0 MiB/4.0 MiB',
    ]);
    expect(r.stdout.text).toBe('out.zip\n');
  });
});

describe('BarProgress (stderr is a TTY)', () => {
  it('draws one cli-progress bar per phase and restores the cursor', () => {
    const tty = new MemoryStream(true, 120);
    const bars = new BarProgress(tty);
    bars.update(ev('upload', 0, 20 * MiB));
    bars.update(ev('upload', 20 * MiB, 20 * MiB));
    bars.update(ev('processing', 50, 100, { message: 'Compressing' }));
    bars.stop();
    bars.stop();
    const text = tty.text;
    expect(text).toContain('Uploading');
    expect(text).toContain('20.0 MiB/20.0 MiB');
    expect(text).toContain('Processing');
    expect(text).toContain('50%');
    expect(text).toContain('Compressing');
    expect(text).toContain('\x1b[?25l'); // cursor hidden while drawing
    expect(text.endsWith('\x1b[?25h') || text.lastIndexOf('\x1b[?25h') > text.lastIndexOf('\x1b[?25l')).toBe(
      true,
    );
  });

  it('runCli uses bars on a TTY and still keeps stdout for the id only', async () => {
    const r = await run(['task', 'create', 't', 'local', 'a.jpg'], { stderrTTY: true });
    expect(r.code).toBe(0);
    expect(r.stdout.text).toBe('42\n');
    expect(r.stderr.text).toContain('Uploading');
    expect(r.stderr.text).not.toContain('upload 0%');
  });

  it('the bar is finished before a failure is reported', async () => {
    const r = await run(['task', 'create', 't', 'local', 'a.jpg'], {
      stderrTTY: true,
      overrides: {
        createTask: () =>
          new Observable<TransferEvent<Created>>((s) => {
            s.next(ev('upload', 1, 2));
            s.error(new Error('boom'));
          }),
      },
    });
    expect(r.code).toBe(1);
    const text = r.stderr.text;
    expect(text.lastIndexOf('\x1b[?25h')).toBeLessThan(text.indexOf('cvat-rx: error: boom'));
  });
});
