import * as t from 'io-ts';
import { ApiError, DecodeError } from '../../src/errors';
import { decodeOrThrow } from '../../src/transport/decode';
import { describeServerBody, redactHeaders, redactUrl } from '../../src/transport/redact';

describe('describeServerBody', () => {
  it("reads DRF's detail", () => {
    expect(describeServerBody({ detail: 'Authentication credentials were not provided.' })).toBe(
      'Authentication credentials were not provided.',
    );
  });

  it('reads a field-error map', () => {
    expect(describeServerBody({ name: ['This field is required.'], labels: ['Expected a list.'] })).toBe(
      'name: This field is required.; labels: Expected a list.',
    );
    expect(describeServerBody({ non_field_errors: ['Unable to log in.'] })).toBe('Unable to log in.');
  });

  it('reads a list of messages', () => {
    expect(describeServerBody(['Could not export.', 'Try again.'])).toBe('Could not export.; Try again.');
  });

  it('reduces a Python traceback to its last line', () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/home/django/cvat/apps/engine/views.py", line 120, in export',
      '    raise CvatDatasetNotFoundError("no images")',
      'cvat.apps.dataset_manager.errors.CvatDatasetNotFoundError: no images',
      '',
    ].join('\n');
    expect(describeServerBody(traceback)).toBe(
      'cvat.apps.dataset_manager.errors.CvatDatasetNotFoundError: no images',
    );
  });

  it('names an HTML error page by its title', () => {
    expect(
      describeServerBody('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'),
    ).toBe('502 Bad Gateway');
  });

  it('is empty for nothing', () => {
    expect(describeServerBody(null)).toBe('');
    expect(describeServerBody(undefined)).toBe('');
  });

  it('gives ApiError a readable message and field errors', () => {
    const error = new ApiError({
      status: 400,
      method: 'POST',
      url: 'http://h/api/tasks',
      body: { name: ['This field is required.'] },
    });
    expect(error.message).toBe('POST http://h/api/tasks failed with 400: name: This field is required.');
    expect(error.fieldErrors).toEqual({ name: ['This field is required.'] });
  });
});

describe('redaction', () => {
  it('removes userinfo and secret query parameters', () => {
    expect(redactUrl('http://u:p@h/api/x?sign=abc&page=2&X-Amz-Signature=zz&token=t')).toBe(
      'http://h/api/x?sign=REDACTED&page=2&X-Amz-Signature=REDACTED&token=REDACTED',
    );
  });

  it('finds secret parameters without userinfo, escaped names included, and keeps the rest as is', () => {
    expect(redactUrl('http://h/api/x?page=2&TOKEN=t')).toBe('http://h/api/x?page=2&TOKEN=REDACTED');
    expect(redactUrl('/api/x?%74oken=t&page=%32')).toBe('/api/x?%74oken=REDACTED&page=%32');
    expect(redactUrl('/api/x?x-goog-credential=c')).toBe('/api/x?x-goog-credential=REDACTED');
    const plain = '/api/tasks/1/data?type=frame&quality=original&number=7&search=tokens';
    expect(redactUrl(plain)).toBe(plain);
  });

  it('drops cookies and credentials from headers', () => {
    expect(
      redactHeaders({ 'set-cookie': 'a=1', authorization: 'x', 'content-type': 'application/json' }),
    ).toEqual({
      'content-type': 'application/json',
    });
  });
});

describe('decodeOrThrow', () => {
  const Task = t.intersection([
    t.type({ id: t.number, name: t.string, labels: t.array(t.type({ name: t.string })) }),
    t.partial({ project_id: t.union([t.number, t.null]) }),
  ]);

  it('returns the typed value, unknown fields kept', () => {
    const value = decodeOrThrow(Task, { id: 1, name: 'a', labels: [], extra: true });
    expect(value.id).toBe(1);
  });

  it('throws a DecodeError naming every mismatching path', () => {
    let error: unknown;
    try {
      decodeOrThrow(
        Task,
        { id: '1', labels: [{ name: 2 }], project_id: 'x' },
        { operationId: 'tasks_retrieve', status: 200 },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    const decodeError = error as DecodeError;
    expect(decodeError.operationId).toBe('tasks_retrieve');
    expect(decodeError.status).toBe(200);
    expect(decodeError.issues).toEqual(
      expect.arrayContaining([
        'id: expected number, got "1"',
        'name: expected string, got undefined',
        'labels.0.name: expected string, got 2',
      ]),
    );
    expect(decodeError.issues.some((issue) => issue.startsWith('project_id: expected'))).toBe(true);
    expect(decodeError.message).toContain('in tasks_retrieve (200)');
  });

  it('ends a pipeline in the error channel when used inside map', async () => {
    const { of, map, lastValueFrom } = await import('rxjs');
    await expect(
      lastValueFrom(of({ id: 'x' }).pipe(map((body) => decodeOrThrow(Task, body)))),
    ).rejects.toBeInstanceOf(DecodeError);
  });
});
