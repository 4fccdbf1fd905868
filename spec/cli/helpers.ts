import { EventEmitter } from 'node:events';
import { Subject } from 'rxjs';
import type { CliBackendFactory } from '../../src/cli/backend';
import { runCli, type CliSignal, type SignalSource } from '../../src/cli/main';
import type { CliInput } from '../../src/cli/prompt';
import { makeFakeFactory, type FakeOverrides } from './fake-backend';

/** Captures everything written; `isTTY` decides bars versus plain lines. */
export class MemoryStream {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY = false,
    readonly columns = 100,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
  get lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** A terminal stdin: raw mode is recorded, `type()` delivers keystrokes. */
export class FakeTtyInput extends EventEmitter implements CliInput {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.rawModes.push(mode);
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  type(text: string): void {
    this.emit('data', Buffer.from(text, 'utf8'));
  }
}

/** A signal source tests fire by hand; `listeners` shows whether runCli is still listening. */
export function fakeSignals(): {
  source: SignalSource;
  fire: (s: CliSignal) => void;
  listeners: () => number;
} {
  const subject = new Subject<CliSignal>();
  let count = 0;
  return {
    source: (handler) => {
      count += 1;
      const sub = subject.subscribe(handler);
      return () => {
        count -= 1;
        sub.unsubscribe();
      };
    },
    fire: (s) => subject.next(s),
    listeners: () => count,
  };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: MemoryStream;
  readonly stderr: MemoryStream;
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly factory?: CliBackendFactory;
  readonly overrides?: FakeOverrides;
  readonly stderrTTY?: boolean;
  readonly stdin?: CliInput;
  readonly now?: () => number;
}

/** Default environment: a user name and a password, so nothing prompts. */
export const BASE_ENV = { USER: 'alice', PASS: 'default-pass' };

export async function run(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult & ReturnType<typeof makeFakeFactory>> {
  const fake = makeFakeFactory(options.overrides);
  const stdout = new MemoryStream();
  const stderr = new MemoryStream(options.stderrTTY ?? false);
  const signals = fakeSignals();
  const code = await runCli(argv, {
    backendFactory: options.factory ?? fake.factory,
    stdout,
    stderr,
    env: options.env ?? BASE_ENV,
    stdin: options.stdin,
    signals: signals.source,
    now: options.now ?? (() => 0),
  });
  return { code, stdout, stderr, ...fake };
}
