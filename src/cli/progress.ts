import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { CliProgressEvent, TransferPhase } from './backend';

/** Where commands send progress; `stop()` is idempotent and ends any bar on screen. */
export interface ProgressSink {
  update(event: CliProgressEvent): void;
  stop(): void;
}

/** The subset of a stream the CLI writes to. */
export interface CliStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export const nullProgress: ProgressSink = { update: () => undefined, stop: () => undefined };

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function percent(event: CliProgressEvent): number | undefined {
  if (event.total === undefined || event.total <= 0) return undefined;
  return Math.min(100, Math.max(0, Math.floor((event.loaded / event.total) * 100)));
}

/** `upload 45% 12.3 MiB/27.0 MiB`, `processing 40% compressing images`, `download 3/10`. */
export function describeProgress(event: CliProgressEvent): string {
  const parts: string[] = [event.phase];
  const pct = percent(event);
  if (pct !== undefined) parts.push(`${pct}%`);
  if (event.phase !== 'processing') {
    const fmt = event.unit === 'items' ? String : formatBytes;
    parts.push(event.total === undefined ? fmt(event.loaded) : `${fmt(event.loaded)}/${fmt(event.total)}`);
  }
  if (event.message) parts.push(event.message);
  return parts.join(' ');
}

/**
 * Plain lines for logs and pipes: the first event of a phase, a changed message, completion,
 * and otherwise at most one line per `intervalMs`.
 */
export class LineProgress implements ProgressSink {
  private phase: TransferPhase | undefined;
  private message: string | undefined;
  private lastAt = 0;
  private lastLine = '';
  private completed = false;

  constructor(
    private readonly write: (line: string) => void,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 1000,
  ) {}

  update(event: CliProgressEvent): void {
    const line = describeProgress(event);
    const at = this.now();
    const isNewPhase = event.phase !== this.phase;
    if (isNewPhase) this.completed = false;
    // A phase said once that it is complete: a later event of it (the final status, often with
    // its message cleared) would repeat `processing 100%`.
    if (this.completed) return;
    const isComplete = event.total !== undefined && event.loaded >= event.total;
    const due =
      isNewPhase ||
      event.message !== this.message ||
      (isComplete && !this.completed) ||
      at - this.lastAt >= this.intervalMs;
    this.phase = event.phase;
    this.message = event.message;
    if (!due || line === this.lastLine) return;
    if (isComplete) this.completed = true;
    this.lastAt = at;
    this.lastLine = line;
    this.write(line);
  }

  stop(): void {
    this.phase = undefined;
    this.message = undefined;
    this.lastLine = '';
  }
}

/** Adapts a CliStream to the Writable cli-progress expects, keeping isTTY and columns. */
class StreamAdapter extends Writable {
  readonly isTTY: boolean;
  constructor(private readonly target: CliStream) {
    super({ decodeStrings: false });
    this.isTTY = target.isTTY === true;
  }
  get columns(): number {
    return this.target.columns ?? 80;
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.target.write(typeof chunk === 'string' ? chunk : String(chunk));
    callback();
  }
}

const PHASE_LABEL: Record<TransferPhase, string> = {
  upload: 'Uploading ',
  processing: 'Processing',
  download: 'Downloading',
};

/** One cli-progress bar per phase on a terminal; a finished phase's bar stays on screen. */
export class BarProgress implements ProgressSink {
  private bar: cliProgress.SingleBar | undefined;
  private phase: TransferPhase | undefined;
  private readonly stream: StreamAdapter;

  constructor(target: CliStream) {
    this.stream = new StreamAdapter(target);
  }

  update(event: CliProgressEvent): void {
    if (event.phase !== this.phase || this.bar === undefined) this.start(event);
    const bar = this.bar;
    if (bar === undefined) return;
    const payload = { message: event.message ?? '' };
    if (event.phase === 'processing') {
      bar.update(percent(event) ?? 0, payload);
    } else if (event.total !== undefined && event.total > 0) {
      if (bar.getTotal() !== event.total) bar.setTotal(event.total);
      bar.update(Math.min(event.loaded, event.total), payload);
    } else {
      bar.update(event.loaded, payload);
    }
  }

  private start(event: CliProgressEvent): void {
    this.stop();
    this.phase = event.phase;
    const bytes = event.phase !== 'processing' && event.unit !== 'items';
    const known = event.phase === 'processing' || (event.total !== undefined && event.total > 0);
    const counts = event.phase === 'processing' ? '' : ' {value}/{total}';
    const label = PHASE_LABEL[event.phase];
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: known ? `${label} [{bar}] {percentage}%${counts} {message}` : `${label} {value} {message}`,
        formatValue: (value, _options, type) =>
          bytes && (type === 'value' || type === 'total') ? formatBytes(value) : String(value),
        hideCursor: true,
        barsize: 30,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    const total = event.phase === 'processing' ? 100 : known && event.total !== undefined ? event.total : 1;
    this.bar.start(total, 0, { message: '' });
  }

  stop(): void {
    if (this.bar !== undefined) this.bar.stop();
    this.bar = undefined;
    this.phase = undefined;
  }
}

export function makeProgress(
  stream: CliStream,
  write: (line: string) => void,
  now?: () => number,
): ProgressSink {
  return stream.isTTY === true ? new BarProgress(stream) : new LineProgress(write, now);
}
