import { concatMap, from, map, of, throwError, type Observable, type OperatorFunction } from 'rxjs';
import type * as t from 'io-ts';
import { DecodeError, UsageError } from '../errors';
import type { RemoveOutcome } from '../repositories';
import { decodeOrThrow } from '../transport/decode';
import type { DeleteOutcome, ResourceSummary, TransferEvent } from './backend';

/**
 * Checks a spec built from command-line input against the server's request schema: a mismatch
 * is the user's input, hence a UsageError (exit 2) rather than a DecodeError. Call inside `defer`.
 */
export function checkSpec<A>(codec: t.Type<A, unknown, unknown>, value: unknown, what: string): A {
  try {
    return decodeOrThrow(codec, value);
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new UsageError(`${what}: ${error.issues.join('; ')}`, { cause: error });
    }
    throw error;
  }
}

/** One row of `ls`: the id, the name, and the server's object for `--json`. */
export function summary(entity: { readonly id: number; readonly model: object }): ResourceSummary {
  const json: Record<string, unknown> = { ...entity.model };
  const name = json['name'];
  return { id: entity.id, name: typeof name === 'string' ? name : '', json };
}

/**
 * Deletes one id after another, emitting each outcome as it is known; a 404 is `deleted: false`
 * and any other failure ends the command with its error.
 */
export function deleteEach(
  ids: readonly number[],
  removeByIds: (ids: readonly number[]) => Observable<RemoveOutcome<number>[]>,
): Observable<DeleteOutcome> {
  return from(ids).pipe(
    concatMap((id) =>
      removeByIds([id]).pipe(
        concatMap((outcomes) => from(outcomes)),
        concatMap((outcome) =>
          outcome.outcome === 'failed'
            ? throwError(() => outcome.error)
            : of({ id: outcome.id, deleted: outcome.outcome === 'deleted' }),
        ),
      ),
    ),
  );
}

/** Maps the result of an event stream; progress passes through. */
export function resultAs<A, B>(
  project: (value: A) => B,
): OperatorFunction<TransferEvent<A>, TransferEvent<B>> {
  return map((event) => (event.type === 'result' ? { type: 'result', value: project(event.value) } : event));
}
