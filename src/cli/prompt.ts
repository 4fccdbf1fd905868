import { Observable } from 'rxjs';
import { UsageError } from '../errors';
import { InterruptedError } from './exit-codes';
import type { CliStream } from './progress';

/** The subset of stdin the prompt needs; `setRawMode` exists only on a TTY. */
export interface CliInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * Reads a line from a terminal with echo off (raw mode, nothing echoed). Cold: the terminal is
 * put back into cooked mode on completion, error or unsubscribe.
 */
export function promptHidden(
  stdin: CliInput | undefined,
  stderr: CliStream,
  question: string,
): Observable<string> {
  return new Observable<string>((subscriber) => {
    if (stdin === undefined || stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') {
      subscriber.error(
        new UsageError(
          'a password is required: use --auth USER:PASS, the PASS variable, or run in a terminal',
        ),
      );
      return undefined;
    }
    const input = stdin;
    let typed = '';
    const onData = (chunk: Buffer | string): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ENTER.has(char)) {
          subscriber.next(typed);
          subscriber.complete();
          return;
        }
        if (char === CTRL_C) {
          subscriber.error(new InterruptedError());
          return;
        }
        if (char === CTRL_D && typed === '') {
          subscriber.error(new UsageError('no password given'));
          return;
        }
        if (BACKSPACE.has(char)) typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stderr.write(question);
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
    return () => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      stderr.write('\n');
    };
  });
}
