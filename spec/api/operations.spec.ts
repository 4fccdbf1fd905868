import nock from 'nock';
import { firstValueFrom } from 'rxjs';
import { ApiClient } from '../../src/api';
import { Binary } from '../../src/models';
import { Configuration } from '../../src/transport/configuration';
import type { OpenApiDocument, Operation, Schema } from '../../tools/codegen/openapi';
import { callMethod, planCall } from './support/calls';
import { loadSharedDocument, operationsOf, schemaPath } from './support/document';
import { sampleOf } from './support/samples';

// Table-driven from CVAT's own document: every operation is called with minimal valid arguments
// through the real transport, and nock checks what goes out, so no operation is untested by construction.
const document: OpenApiDocument | undefined = loadSharedDocument();
if (document === undefined) console.warn(`spec/api/operations: skipped, ${schemaPath} is absent`);
const describeWithSchema = document ? describe : describe.skip;
const entries = document ? operationsOf(document) : [];
const host = 'http://cvat.test';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

describeWithSchema('every generated operation on the wire', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('covers all 166 operations of the document', () => {
    expect(entries.length).toBe(166);
  });

  it.each(entries.map((entry) => [entry.operation.operationId, entry] as const))(
    '%s sends the documented request and decodes the documented response',
    async (_id, entry) => {
      if (document === undefined) return;
      const call = planCall(entry, document);
      const [status, responseSchema] = successResponse(entry.operation);
      const replyBody = responseSchema === undefined ? undefined : sampleOf(responseSchema, document);
      const seen: Seen[] = [];
      const scope = nock(host)
        .intercept(() => true, call.expected.method)
        .reply(function (uri, body) {
          const url = new URL(uri, host);
          seen.push({
            method: this.req.method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            headers: this.req.headers,
            body,
          });
          return wireReply(status, replyBody, responseSchema);
        });
      const client = new ApiClient(new Configuration({ host, retry: { maxAttempts: 1 } }));

      const [data, response] = await firstValueFrom(callMethod(client, call));

      expect(scope.isDone()).toBe(true);
      const sent = seen[0];
      expect(sent?.method).toBe(call.expected.method);
      expect(sent?.path).toBe(call.expected.url);
      expect(sent?.query).toEqual(
        Object.fromEntries(Object.entries(call.expected.query).map(([key, value]) => [key, String(value)])),
      );
      for (const [name, value] of Object.entries(call.expected.headers)) {
        expect(sent?.headers[name.toLowerCase()]).toBe(value);
      }
      const contentType = sent?.headers['content-type'];
      if (call.expected.contentType === 'multipart/form-data') {
        expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
        for (const field of Object.keys(call.expected.body ?? {})) {
          expect(String(sent?.body)).toContain(`name="${field}"`);
        }
      } else if (call.expected.contentType !== undefined) {
        expect(contentType).toBe(call.expected.contentType);
        expect(sent?.body).toEqual(call.expected.body);
      } else {
        // No body goes out (axios may still label a bodyless POST as urlencoded; the server ignores it).
        expect(sent?.body).toBe('');
        expect(String(contentType ?? '')).not.toMatch(/json|multipart/);
      }
      expect(response.status).toBe(status);
      if (responseSchema === undefined) expect(data).toBeUndefined();
      else if (responseSchema.format === 'binary') expect(Binary.is(data)).toBe(true);
      else expect(data).toEqual(replyBody);
    },
  );
});

/** The first 2xx status of an operation and its schema (undefined when it has no content). */
function successResponse(operation: Operation): [number, Schema | undefined] {
  for (const [code, response] of Object.entries(operation.responses)) {
    const status = Number(code);
    if (status < 200 || status >= 300) continue;
    const content = Object.entries(response.content ?? {});
    const json = content.find(([type]) => type.includes('json')) ?? content[0];
    return [status, json?.[1].schema];
  }
  throw new Error('no 2xx response');
}

function wireReply(
  status: number,
  body: unknown,
  schema: Schema | undefined,
): [number, string | Buffer | undefined, Record<string, string>] {
  if (schema === undefined) return [status, undefined, {}];
  if (schema.format === 'binary') return [status, Buffer.from([1, 2, 3]), { 'Content-Type': 'image/png' }];
  return [status, JSON.stringify(body), { 'Content-Type': 'application/vnd.cvat+json' }];
}
