import {
  EMPTY,
  catchError,
  concatMap,
  defer,
  from,
  map,
  mergeMap,
  of,
  switchMap,
  throwError,
  type Observable,
} from 'rxjs';
import type { CvatClient } from '../client';
import { ApiError } from '../errors';
import { annotateTask } from '../auto-annotation/driver';
import { serveAgent } from '../auto-annotation/agent';
import type { AgentEvent } from '../auto-annotation/agent';
import { createNativeFunction, deleteNativeFunction } from '../auto-annotation/functions-api';
import { loadFunction } from '../node/function-module';
import type { FunctionParameter, FunctionSource } from '../node/function-module';
import type { Created, DeleteOutcome, TransferEvent } from './backend-events';

/** The auto-annotation commands' part of the backend: `task auto-annotate` and `function …`. */

export interface FunctionArgs {
  readonly source: FunctionSource;
  readonly params: Readonly<Record<string, FunctionParameter>>;
}

export interface AutoAnnotateArgs extends FunctionArgs {
  readonly taskId: number;
  readonly clearExisting: boolean;
  readonly allowUnmatchedLabels: boolean;
  readonly confThreshold?: number;
  readonly convMaskToPoly: boolean;
  readonly concurrency?: number;
}

export interface AutoAnnotated {
  readonly frames: number;
  readonly shapes: number;
  readonly tags: number;
}

export interface RunAgentArgs extends FunctionArgs {
  readonly functionId: number;
  readonly burst: boolean;
  /** Emits when the user asks to stop (Ctrl-C): the agent hands back its request, then completes. */
  readonly stop: Observable<unknown>;
}

export interface AutoAnnotationBackend {
  autoAnnotate(args: AutoAnnotateArgs): Observable<TransferEvent<AutoAnnotated>>;
  createNativeFunction(args: FunctionArgs & { readonly name: string }): Observable<Created>;
  deleteFunctions(ids: readonly number[]): Observable<DeleteOutcome>;
  /** What the agent does, one human line at a time. */
  runAgent(args: RunAgentArgs): Observable<string>;
}

const load = (args: FunctionArgs) => defer(() => loadFunction(args.source, args.params));

function describeAgentEvent(event: AgentEvent): string | undefined {
  switch (event.type) {
    case 'started':
      return `Agent ${event.agentId} serving function #${event.functionId}`;
    case 'acquired':
      return `Request ${event.requestId}: ${event.params.type} of task ${'task' in event.params ? String(event.params.task) : '?'}`;
    case 'completed':
      return `Request ${event.requestId} completed: ${event.shapes} shapes, ${event.tags} tags`;
    case 'failed':
      return `Request ${event.requestId} failed: ${event.message}`;
    default:
      return undefined;
  }
}

export function autoAnnotationBackend(
  withClient: <T>(run: (client: CvatClient) => Observable<T>) => Observable<T>,
): AutoAnnotationBackend {
  return {
    autoAnnotate: (args) =>
      load(args).pipe(
        switchMap((fn) =>
          withClient((client) =>
            annotateTask(client, args.taskId, fn, {
              clearExisting: args.clearExisting,
              allowUnmatchedLabels: args.allowUnmatchedLabels,
              convMaskToPoly: args.convMaskToPoly,
              ...(args.confThreshold === undefined ? {} : { confThreshold: args.confThreshold }),
              ...(args.concurrency === undefined ? {} : { concurrency: args.concurrency }),
            }),
          ),
        ),
        map((event): TransferEvent<AutoAnnotated> => {
          if (event.type === 'result') return event;
          return {
            type: 'progress',
            phase: 'processing',
            loaded: event.loaded,
            total: event.total,
            message: `${event.loaded}/${event.total ?? '?'} frames`,
            unit: 'items',
          };
        }),
      ),
    createNativeFunction: (args) =>
      load(args).pipe(
        switchMap((fn) => withClient((client) => createNativeFunction(client.context, args.name, fn.spec))),
        map((created) => ({ id: created.id })),
      ),
    deleteFunctions: (ids) =>
      withClient((client) =>
        from(ids).pipe(
          concatMap((id) =>
            deleteNativeFunction(client.context, id).pipe(
              map((): DeleteOutcome => ({ id, deleted: true })),
              // As cvat-cli: a function that does not exist is skipped, not an error.
              catchError((error: unknown) => {
                if (error instanceof ApiError && error.status === 404) return of({ id, deleted: false });
                return throwError(() => error);
              }),
            ),
          ),
        ),
      ),
    runAgent: (args) =>
      load(args).pipe(
        switchMap((fn) =>
          withClient((client) =>
            serveAgent(client, args.functionId, fn, { burst: args.burst, stop: args.stop }),
          ),
        ),
        mergeMap((event) => {
          const line = describeAgentEvent(event);
          return line === undefined ? EMPTY : of(line);
        }),
      ),
  };
}
