import { defer, map, mergeMap, of, switchMap, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { DecodeError, RequestFailedError, UsageError } from '../errors';
import type { ClientContext } from '../entities/context';
import { observeAs } from '../entities/operations/observe';
import type { ObserveOptions, Observed } from '../entities/operations/observe';
import { followRequest, rqIdOf } from '../entities/operations/processing';
import type { ListOptions } from '../entities/query';
import { fetchPage, itemUrl, listData, patchData, requestDecoded, retrieveData } from '../entities/resource';
import type { ResourceDescriptor } from '../entities/resource';
import {
  AnnotationConflict,
  PaginatedAnnotationConflictList,
  PaginatedQualityReportList,
  PaginatedQualityRequirementListItemList,
  PaginatedQualitySettingsList,
  QualityReport,
  QualityReportConfusionMatrix,
  QualityRequirement,
  QualityRequirementListItem,
  QualitySettings,
} from '../models';
import type { PatchedQualityRequirementRequest, PatchedQualitySettingsRequest } from '../models';
import type { ProgressEvent, TransferEvent } from '../transfer/progress';
import type { JsonValue, QueryParams } from '../transport/types';

/** What quality settings and reports belong to. CVAT computes reports of tasks and projects. */
export type QualityTarget = { readonly taskId: number } | { readonly projectId: number };

export interface QualityReportListQuery extends ListOptions {
  readonly task_id?: number;
  readonly job_id?: number;
  readonly project_id?: number;
  /** Every report under this one (a project's task and job reports, a task's job reports). */
  readonly parent_id?: number;
  readonly target?: 'job' | 'task' | 'project';
}

export interface ConflictListQuery extends ListOptions {
  readonly report_id?: number;
  readonly job_id?: number;
  readonly task_id?: number;
  readonly project_id?: number;
  readonly frame?: number;
  readonly type?: AnnotationConflict['type'];
}

export interface RequirementListQuery extends ListOptions {
  readonly settings_id?: number;
  readonly task_id?: number;
  readonly project_id?: number;
  readonly enabled?: boolean;
  readonly annotation_type?: string;
}

/** Quality control: settings, requirements, reports and their conflicts (`/api/quality`). */
export interface QualityRepository {
  /** The quality settings of a task or a project (every one has them). */
  settings(target: QualityTarget): Observable<QualitySettings>;
  /** Changes the settings of a task or a project and emits them as the server saved them. */
  updateSettings(target: QualityTarget, patch: PatchedQualitySettingsRequest): Observable<QualitySettings>;
  /** The requirements (per annotation type: `Base rectangle`, …) of settings, lazily paged. */
  requirements(query?: RequirementListQuery): Observable<QualityRequirementListItem>;
  /** Changes one requirement (`enabled`, `required_score`, `iou_threshold`, …). */
  updateRequirement(id: number, patch: PatchedQualityRequirementRequest): Observable<QualityRequirement>;
  /**
   * Computes a report (`POST /api/quality/reports`, then the request it starts, followed to its
   * end) and emits it; with `observe: 'events'`, processing progress first. A task needs an
   * accepted, completed ground-truth job (the server answers 400 otherwise).
   */
  createReport<O extends ObserveOptions | undefined = undefined>(
    target: QualityTarget,
    options?: O,
  ): Observable<Observed<QualityReport, O>>;
  /** Reports, newest first, lazily paged. */
  reports(query?: QualityReportListQuery): Observable<QualityReport>;
  report(id: number): Observable<QualityReport>;
  /** The report's full contents as the server exports them (`…/data`, a JSON document). */
  reportData(id: number): Observable<JsonValue>;
  /** The conflicts of a report (a task's or project's: those of its job reports), lazily paged. */
  conflicts(reportId: number, query?: Omit<ConflictListQuery, 'report_id'>): Observable<AnnotationConflict>;
  /** The label confusion matrix of a report, with precision, recall, accuracy and Jaccard index. */
  confusionMatrix(
    reportId: number,
    options?: { readonly requirement?: number },
  ): Observable<QualityReportConfusionMatrix>;
}

const settings: ResourceDescriptor<QualitySettings, PaginatedQualitySettingsList> = {
  tag: 'quality',
  path: '/api/quality/settings',
  read: QualitySettings,
  page: PaginatedQualitySettingsList,
  idOf: (s) => s.id,
};

const requirements: ResourceDescriptor<QualityRequirementListItem, PaginatedQualityRequirementListItemList> =
  {
    tag: 'quality',
    path: '/api/quality/settings/requirements',
    read: QualityRequirementListItem,
    page: PaginatedQualityRequirementListItemList,
    idOf: (r) => r.id,
  };

const reports: ResourceDescriptor<QualityReport, PaginatedQualityReportList> = {
  tag: 'quality',
  path: '/api/quality/reports',
  read: QualityReport,
  page: PaginatedQualityReportList,
  idOf: (r) => r.id,
};

const conflicts: ResourceDescriptor<AnnotationConflict, PaginatedAnnotationConflictList> = {
  tag: 'quality',
  path: '/api/quality/conflicts',
  read: AnnotationConflict,
  page: PaginatedAnnotationConflictList,
  idOf: (c) => c.id,
};

/** `{ task_id }` or `{ project_id }` from a target; a UsageError for anything else. */
export function targetParams(target: QualityTarget): { task_id: number } | { project_id: number } {
  const id = 'taskId' in target ? target.taskId : 'projectId' in target ? target.projectId : undefined;
  if (!Number.isSafeInteger(id) || (id ?? 0) < 1)
    throw new UsageError('Give { taskId } or { projectId } with a positive integer id');
  return 'taskId' in target
    ? { task_id: target.taskId }
    : { project_id: (target as { projectId: number }).projectId };
}

function settingsOf(ctx: ClientContext, target: QualityTarget): Observable<QualitySettings> {
  return defer(() => {
    const params = targetParams(target);
    const query: QueryParams = {
      ...params,
      parent_type: 'task_id' in params ? 'task' : 'project',
      page: 1,
      page_size: 1,
    };
    return fetchPage(ctx, settings, query).pipe(
      map((page) => {
        const found = page.results[0];
        if (!found) throw new UsageError(`No quality settings for ${JSON.stringify(params)}`);
        return found;
      }),
    );
  });
}

function settingsId(s: QualitySettings): number {
  if (s.id === undefined)
    throw new DecodeError({
      codecName: 'QualitySettings',
      issues: ['id: expected a value'],
      operationId: 'quality',
    });
  return s.id;
}

function createReport(ctx: ClientContext, target: QualityTarget): Observable<TransferEvent<QualityReport>> {
  return defer(() => {
    const body = targetParams(target);
    return ctx.transport.request({
      method: 'POST',
      url: reports.path,
      body,
      operationId: 'quality_create_report',
    });
  }).pipe(
    mergeMap((response) => {
      const rqId = rqIdOf(response, 'quality_create_report');
      return followRequest(ctx, rqId).pipe(
        switchMap((event): Observable<TransferEvent<QualityReport>> => {
          if (event.type === 'progress') return of<ProgressEvent>(event);
          const id = event.value.resultId;
          if (id === undefined)
            return throwError(
              () =>
                new RequestFailedError({
                  requestId: rqId,
                  serverMessage: 'the quality report request finished without a report (result_id)',
                }),
            );
          return retrieveData(ctx, reports, id).pipe(
            map((report) => ({ type: 'result' as const, value: report })),
          );
        }),
      );
    }),
  );
}

/** Decodes the text or bytes of a JSON document the server sends as a file. */
function parseDocument(body: unknown, operationId: string): JsonValue {
  const text =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? new TextDecoder().decode(body)
        : body instanceof ArrayBuffer
          ? new TextDecoder().decode(new Uint8Array(body))
          : undefined;
  if (text === undefined)
    throw new DecodeError({ codecName: 'json', issues: ['<root>: expected a document'], operationId });
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new DecodeError({ codecName: 'json', issues: ['<root>: not valid JSON'], operationId });
  }
}

export function makeQualityRepository(ctx: ClientContext): QualityRepository {
  return {
    settings: (target) => settingsOf(ctx, target),
    updateSettings: (target, patch) =>
      settingsOf(ctx, target).pipe(
        switchMap((current) => patchData(ctx, settings, settingsId(current), patch)),
      ),
    requirements: (query = {}) => listData(ctx, requirements, query),
    updateRequirement: (id, patch) =>
      patchData(
        ctx,
        { ...requirements, read: QualityRequirement, idOf: (r: QualityRequirement) => r.id },
        id,
        patch,
      ),
    createReport: (target, options) => observeAs(createReport(ctx, target), options),
    reports: (query = {}) => listData(ctx, reports, query),
    report: (id) => retrieveData(ctx, reports, id),
    reportData: (id) =>
      defer(() =>
        ctx.transport.request({
          method: 'GET',
          url: `${itemUrl(reports, id)}/data`,
          responseType: 'arraybuffer',
          operationId: 'quality_retrieve_report_data',
        }),
      ).pipe(map((response) => parseDocument(response.body, 'quality_retrieve_report_data'))),
    conflicts: (reportId, query = {}) => listData(ctx, conflicts, query, { report_id: reportId }),
    confusionMatrix: (reportId, options = {}) =>
      requestDecoded(
        ctx,
        {
          method: 'GET',
          url: `${itemUrl(reports, reportId)}/confusion/matrix`,
          query: {
            format: 'json',
            ...(options.requirement === undefined ? {} : { requirement: options.requirement }),
          },
          operationId: 'quality_retrieve_report_requirement_confusion',
        },
        QualityReportConfusionMatrix,
      ),
  };
}
