import { DecodeError } from '../../src/errors';
import {
  classifyRequestStatus,
  fromLegacyStatus,
  fromRequestsApi,
  isSameRequestStatus,
} from '../../src/lifecycle/request-status';
import type { RequestsApiStatusInput } from '../../src/lifecycle/request-status';

// The shape of CVAT's `Request` component (schema.yml), including fields this module ignores.
const exportRequest = {
  id: 'action=export&target=task&target_id=36&user_id=1&format=COCO_1~0&subresource=dataset',
  status: 'finished',
  message: '',
  operation: {
    type: 'export:dataset',
    target: 'task',
    task_id: 36,
    project_id: null,
    job_id: null,
    format: 'COCO 1.0',
  },
  progress: 1,
  created_date: '2026-05-11T17:25:43.375000Z',
  started_date: '2026-05-11T17:25:44.000000Z',
  finished_date: '2026-05-11T17:25:50.500000Z',
  expiry_date: '2026-05-12T17:25:50.500000Z',
  owner: { id: 1, username: 'admin' },
  result_url: 'http://localhost:8080/api/tasks/36/dataset/download?rq_id=abc',
  result_id: null,
};

describe('fromRequestsApi', () => {
  it('maps a finished export with dates, result URL and no result id', () => {
    expect(fromRequestsApi(exportRequest)).toEqual({
      id: exportRequest.id,
      status: 'finished',
      progress: 1,
      message: '',
      createdDate: new Date('2026-05-11T17:25:43.375Z'),
      startedDate: new Date('2026-05-11T17:25:44.000Z'),
      finishedDate: new Date('2026-05-11T17:25:50.500Z'),
      resultUrl: 'http://localhost:8080/api/tasks/36/dataset/download?rq_id=abc',
      resultId: undefined,
    });
  });

  it('maps a queued request with null progress and dates to undefined', () => {
    const raw: RequestsApiStatusInput = {
      id: 'rq',
      status: 'queued',
      progress: null,
      created_date: '2026-05-11T17:25:43Z',
      started_date: null,
      finished_date: null,
      result_url: null,
    };
    const mapped = fromRequestsApi(raw);
    expect(mapped).toMatchObject({
      status: 'queued',
      progress: undefined,
      message: '',
      startedDate: undefined,
    });
  });

  it('keeps the server message of a failure and the created object id of an import', () => {
    expect(fromRequestsApi({ id: 'rq', status: 'failed', message: 'ValueError: bad zip' })).toMatchObject({
      status: 'failed',
      message: 'ValueError: bad zip',
    });
    expect(fromRequestsApi({ id: 'rq', status: 'finished', result_id: 12 }).resultId).toBe(12);
  });

  it('accepts already decoded Dates and upper-case states, and clamps progress into [0, 1]', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const mapped = fromRequestsApi({ id: 'rq', status: 'Started', progress: 1.2, created_date: created });
    expect(mapped).toMatchObject({ status: 'started', progress: 1, createdDate: created });
    expect(fromRequestsApi({ id: 'rq', status: 'started', progress: -0.1 }).progress).toBe(0);
  });

  it('folds RQ-only states into the documented four', () => {
    expect(fromRequestsApi({ id: 'rq', status: 'deferred' }).status).toBe('queued');
    expect(fromRequestsApi({ id: 'rq', status: 'scheduled' }).status).toBe('queued');
    expect(fromRequestsApi({ id: 'rq', status: 'canceled' })).toMatchObject({
      status: 'failed',
      message: 'The request was cancelled',
    });
  });

  it('rejects an unknown state and an invalid date with DecodeError naming the field', () => {
    expect(() => fromRequestsApi({ id: 'rq', status: 'exploded' })).toThrow(DecodeError);
    expect(() => fromRequestsApi({ id: 'rq', status: 'exploded' })).toThrow(
      /status: unknown request state "exploded"/,
    );
    expect(() => fromRequestsApi({ id: 'rq', status: 'queued', created_date: 'yesterday' })).toThrow(
      /created_date/,
    );
  });
});

describe('fromLegacyStatus', () => {
  it('maps RqStatus states and scales progress from 0..100', () => {
    expect(
      fromLegacyStatus({ state: 'Started', message: 'Images are being compressed', progress: 45 }, 'task:7'),
    ).toEqual({
      id: 'task:7',
      status: 'started',
      progress: 0.45,
      message: 'Images are being compressed',
    });
    expect(fromLegacyStatus({ state: 'Queued' }, 'task:7')).toMatchObject({
      status: 'queued',
      progress: undefined,
    });
    expect(fromLegacyStatus({ state: 'Finished', progress: 100 }, 'task:7')).toMatchObject({
      status: 'finished',
      progress: 1,
    });
    expect(fromLegacyStatus({ state: 'Failed', message: 'boom', progress: 250 }, 'task:7')).toMatchObject({
      status: 'failed',
      message: 'boom',
      progress: 1,
    });
  });

  it('rejects a missing or unknown state', () => {
    expect(() => fromLegacyStatus({ message: 'x' }, 'task:7')).toThrow(DecodeError);
    expect(() => fromLegacyStatus({ state: 'Unknown' }, 'task:7')).toThrow(/state/);
  });
});

describe('classification and sameness', () => {
  it('classifies the four states', () => {
    const base = { id: 'rq', progress: undefined, message: '' };
    expect(classifyRequestStatus({ ...base, status: 'queued' })).toBe('pending');
    expect(classifyRequestStatus({ ...base, status: 'started' })).toBe('pending');
    expect(classifyRequestStatus({ ...base, status: 'finished' })).toBe('finished');
    expect(classifyRequestStatus({ ...base, status: 'failed' })).toBe('failed');
  });

  it('compares state, progress and message only', () => {
    const a = fromRequestsApi({ ...exportRequest, status: 'started', progress: 0.5 });
    const b = { ...a, finishedDate: new Date(0) };
    expect(isSameRequestStatus(a, b)).toBe(true);
    expect(isSameRequestStatus(a, { ...a, progress: 0.6 })).toBe(false);
    expect(isSameRequestStatus(a, { ...a, message: 'next phase' })).toBe(false);
  });
});
