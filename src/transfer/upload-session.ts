import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { concat, concatMap, defer, EMPTY, filter, from, map, mergeMap, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { UsageError } from '../errors';
import type { ApiResponse, JsonValue, QueryParams } from '../transport/types';
import { bulkUpload } from './bulk';
import type { FormFieldValue } from './bulk';
import { checkResponse } from './http';
import type { TransferTransport } from './http';
import { planUpload } from './plan';
import type { ProgressEvent, TransferEvent } from './progress';
import { validateSources } from './source';
import type { UploadSource } from './source';
import { tusUpload } from './tus';
import type { TusResume, TusUploadOptions } from './tus';
import { identityOf } from './resume';
import type { ResumeState } from './resume';

/** Bulk groups and TUS files in flight at once (CVAT's own clients send one at a time). */
export const DEFAULT_UPLOAD_CONCURRENCY = 2;

export interface UploadSessionOptions {
  /** The upload endpoint, e.g. `/api/tasks/1/data/` or `/api/tasks/1/annotations/`. */
  readonly url: string;
  readonly sources: readonly UploadSource[];
  /** Query of Upload-Start and Upload-Finish (imports: `format`, `filename`, `conv_mask_to_poly`). */
  readonly query?: QueryParams;
  /** Extra headers on every request of the session. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body for Upload-Start (CVAT accepts the data parameters there too). */
  readonly startBody?: JsonValue;
  /** The JSON body of Upload-Finish: for task data, every data parameter (`image_quality`, …). */
  readonly finishBody?: { readonly [key: string]: JsonValue | undefined };
  /**
   * Adds `upload_file_order` (the names in input order) to the finish body, as files are not
   * sent in input order. Default: when the finish body asks for `sorting_method: 'predefined'`
   * (as CVAT's SDK does).
   */
  readonly fileOrder?: boolean;
  /**
   * A finish query parameter that receives the name the server stored the file under
   * (`Upload-Filename`); backups require it (`filename`). Single-file sessions only.
   */
  readonly filenameParam?: string;
  /** Form fields repeated in every bulk request (CVAT's SDK sends `image_quality`). */
  readonly bulkFields?: Readonly<Record<string, FormFieldValue>>;
  /** `tus` sends every file by TUS (imports, backups); `auto` (default) packs small files. */
  readonly mode?: 'auto' | 'tus';
  /** The largest bulk request in bytes of file data (default 100 MiB). */
  readonly maxRequestSize?: number;
  /** Bulk groups and TUS files in flight at once (default 2). */
  readonly concurrency?: number;
  /**
   * Records the session as it goes and continues one an earlier process began (see resume.ts):
   * Upload-Start is not sent again, bulk groups the server took are skipped, TUS files go on
   * from the server's offset. The record is cleared once Upload-Finish is accepted.
   */
  readonly resume?: ResumeState;
  /** TUS settings; `maxRetries` and `retryDelayMs` apply to bulk groups too. */
  readonly tus?: Pick<
    TusUploadOptions,
    'chunkSize' | 'maxChunkSize' | 'maxRetries' | 'retryDelayMs' | 'origin' | 'metadata'
  >;
}

export interface UploadSessionResult {
  /** The Upload-Finish response (202). */
  readonly response: ApiResponse;
  /** The background request the server started, when it named one. */
  readonly rqId: string | undefined;
  /** The names the server stored the files under, in input order. */
  readonly filenames: readonly string[];
}

const RqIdBody = t.type({ rq_id: t.string });

interface Unit {
  readonly sources: readonly UploadSource[];
  readonly run: () => Observable<TransferEvent<readonly string[]>>;
}

/**
 * CVAT's upload protocol for any upload endpoint: `Upload-Start`, then bulk groups and TUS files
 * with bounded concurrency, then `Upload-Finish` whose response (an rq_id) is the result. One
 * progress for the whole session: `total` is the sum of the sizes, `loaded` only grows, and the
 * last upload event has `loaded === total`. Bad input is a `UsageError` before any request.
 */
export function uploadSession(
  transport: TransferTransport,
  options: UploadSessionOptions,
): Observable<TransferEvent<UploadSessionResult>> {
  return defer(() => {
    const sources = validateSources(options.sources);
    const concurrency = options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError(`Invalid concurrency ${concurrency}`);
    const maxRequestSize = options.maxRequestSize;
    if (maxRequestSize !== undefined && !(maxRequestSize > 0)) {
      throw new UsageError(`Invalid maxRequestSize ${maxRequestSize}`);
    }
    if (options.filenameParam !== undefined && sources.length !== 1) {
      throw new UsageError('filenameParam needs exactly one file');
    }
    const chunkSize = options.tus?.chunkSize;
    if (chunkSize !== undefined && !(Number.isSafeInteger(chunkSize) && chunkSize > 0)) {
      throw new UsageError(`Invalid TUS chunk size ${chunkSize}`);
    }

    const plan = planUpload(sources, { mode: options.mode, maxRequestSize });
    const headers = options.headers ?? {};
    const state = options.resume;
    const groupKey = (group: readonly UploadSource[]): string => group.map(identityOf).join('\n');
    const units: Unit[] = [
      ...plan.bulk.map((group): Unit => ({
        sources: group.sources,
        run: () =>
          state?.record.groups?.includes(groupKey(group.sources))
            ? // Taken by the server before the process that sent it died.
              from<TransferEvent<readonly string[]>[]>([
                { type: 'progress', phase: 'upload', loaded: group.size, total: group.size },
                { type: 'result', value: group.sources.map((s) => s.name) },
              ])
            : bulkUpload(transport, {
                url: options.url,
                sources: group.sources,
                headers,
                ...(options.bulkFields ? { fields: options.bulkFields } : {}),
                // Groups are resent under the same budget and backoff as TUS chunks.
                ...(options.tus?.maxRetries === undefined ? {} : { maxRetries: options.tus.maxRetries }),
                ...(options.tus?.retryDelayMs === undefined
                  ? {}
                  : { retryDelayMs: options.tus.retryDelayMs }),
              }).pipe(
                concatMap((event) =>
                  event.type === 'result'
                    ? from(
                        (
                          state?.update((r) => ({
                            ...r,
                            groups: [...(r.groups ?? []), groupKey(group.sources)],
                          })) ?? Promise.resolve()
                        ).then((): TransferEvent<readonly string[]> => ({
                          type: 'result',
                          value: group.sources.map((s) => s.name),
                        })),
                      )
                    : of(event),
                ),
              ),
      })),
      ...plan.tus.map((source): Unit => ({
        sources: [source],
        run: () =>
          tusUpload(transport, {
            ...options.tus,
            url: options.url,
            source,
            headers,
            ...(state ? { resume: tusResume(state, identityOf(source)) } : {}),
          }).pipe(
            map((event) =>
              event.type === 'result' ? { type: 'result', value: [event.value.filename] } : event,
            ),
          ),
      })),
    ];

    const stored = new Map<UploadSource, string>();
    const loadedByUnit = units.map(() => 0);
    let reported = -1;
    const advance = (): ProgressEvent | undefined => {
      const loaded = loadedByUnit.reduce((sum, value) => sum + value, 0);
      if (loaded <= reported) return undefined;
      reported = loaded;
      return { type: 'progress', phase: 'upload', loaded, total: plan.total };
    };
    const progress = (): ProgressEvent[] => {
      const event = advance();
      return event ? [event] : [];
    };

    const post = (
      kind: 'Upload-Start' | 'Upload-Finish',
      query: QueryParams | undefined,
      body: JsonValue | undefined,
    ) =>
      transport
        .request(
          {
            method: 'POST',
            url: options.url,
            ...(query ? { query } : {}),
            headers: { ...headers, [kind]: 'true' },
            ...(body === undefined ? {} : { body }),
            operationId: kind === 'Upload-Start' ? 'upload_start' : 'upload_finish',
          },
          { checkStatus: false },
        )
        .pipe(
          map((response) =>
            checkResponse(response, kind === 'Upload-Start' ? 'upload_start' : 'upload_finish'),
          ),
        );

    const transfer$ = from(units.map((unit, index) => ({ unit, index }))).pipe(
      mergeMap(
        ({ unit, index }) =>
          unit.run().pipe(
            // Every 64 KiB sent passes here: map and filter, no Observable per event.
            map((event): ProgressEvent | undefined => {
              if (event.type === 'result') {
                event.value.forEach((name, i) => stored.set(unit.sources[i], name));
                return undefined;
              }
              loadedByUnit[index] = Math.max(loadedByUnit[index], event.loaded);
              return advance();
            }),
            filter((event): event is ProgressEvent => event !== undefined),
          ),
        concurrency,
      ),
    );

    const finish$ = defer(() => {
      const filenames = sources.map((source) => stored.get(source) ?? source.name);
      const query =
        options.filenameParam === undefined
          ? options.query
          : { ...options.query, [options.filenameParam]: filenames[0] };
      const body =
        (options.fileOrder ?? options.finishBody?.['sorting_method'] === 'predefined')
          ? { ...options.finishBody, upload_file_order: sources.map((source) => source.name) }
          : options.finishBody;
      return post('Upload-Finish', query, body).pipe(
        map((response): TransferEvent<UploadSessionResult> => {
          // A missing rq_id is not an error here: the caller decides whether it needs one.
          const decoded = RqIdBody.decode(response.body);
          const rqId = isRight(decoded) ? decoded.right.rq_id : undefined;
          return { type: 'result', value: { response, rqId, filenames } };
        }),
        // The server has everything: nothing is left to resume.
        concatMap((event) => from((state?.clear() ?? Promise.resolve()).then(() => event))),
      );
    });

    const start$ = state?.record.started
      ? EMPTY
      : post('Upload-Start', options.query, options.startBody).pipe(
          switchMap(() => from(state?.update((r) => ({ ...r, started: true })) ?? Promise.resolve())),
          switchMap(() => EMPTY),
        );

    return concat(
      // A first event at 0, so a bar appears before the first byte is sent.
      defer(() => from(progress())),
      start$,
      transfer$,
      defer(() => {
        // Every unit ends at its size, so this only fills in when a transport reported no progress.
        loadedByUnit.forEach(
          (_, i) => (loadedByUnit[i] = units[i].sources.reduce((sum, s) => sum + s.size, 0)),
        );
        return from(progress());
      }),
      finish$,
    );
  });
}

/** A TUS file's part in a resumable session: its earlier upload, and where to note its progress. */
function tusResume(state: ResumeState, id: string): TusResume {
  const entry = state.record.tus?.[id];
  const note = (location: string, filename: string, offset: number): Promise<void> =>
    state.update((r) => ({ ...r, tus: { ...r.tus, [id]: { location, filename, offset } } }));
  let current = entry;
  return {
    ...(entry ? { previous: { location: entry.location, filename: entry.filename } } : {}),
    created: (result) => {
      current = { location: result.location, filename: result.filename, offset: 0 };
      return note(result.location, result.filename, 0);
    },
    accepted: (offset) => {
      // Informational (the server's HEAD decides); a store that fails here must not fail the upload.
      if (current) note(current.location, current.filename, offset).catch(() => undefined);
    },
  };
}
