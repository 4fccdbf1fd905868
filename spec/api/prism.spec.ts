import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { ApiClient } from '../../src/api';
import { isApiError, isDecodeError } from '../../src/errors';
import { Configuration } from '../../src/transport/configuration';
import type { OpenApiDocument, Operation } from '../../tools/codegen/openapi';
import { callMethod, planCall } from './support/calls';
import { loadSharedDocument, operationsOf, repoRoot, schemaPath } from './support/document';

// Prism (a real OpenAPI engine) validates every request the generated client sends against CVAT's
// document and answers with responses generated from it, which our codecs must decode.
const prismBin = path.join(repoRoot, 'node_modules/.bin/prism');
const document: OpenApiDocument | undefined = existsSync(prismBin) ? loadSharedDocument() : undefined;
if (document === undefined) console.warn(`spec/api/prism: skipped, ${schemaPath} or ${prismBin} is absent`);
const describeWithPrism = document ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls until Prism answers (it needs a few seconds to read the document). */
async function waitForPrism(url: string, prism: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    if (prism.exitCode !== null) throw new Error(`prism exited: ${output()}`);
    const ready = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`prism did not start: ${output()}`);
}

/** Credentials the operation's security requirements accept (Prism enforces them). */
function authFor(operation: Operation): 'basic' | 'bearer' | 'anonymous' {
  const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  if (schemes.includes('basicAuth')) return 'basic';
  if (schemes.includes('accessTokenAuth')) return 'bearer';
  return 'anonymous';
}

describeWithPrism('the generated client against Prism', () => {
  let prism: ChildProcess | undefined;
  const clients: Record<'basic' | 'bearer' | 'anonymous', ApiClient | undefined> = {
    basic: undefined,
    bearer: undefined,
    anonymous: undefined,
  };

  beforeAll(async () => {
    const port = await freePort();
    let log = '';
    prism = spawn(prismBin, ['mock', schemaPath, '-h', '127.0.0.1', '-p', String(port)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prism.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    prism.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const host = `http://127.0.0.1:${port}`;
    await waitForPrism(`${host}/api/server/about`, prism, () => log.slice(-2000));
    const retry = { maxAttempts: 1 };
    clients.basic = new ApiClient(new Configuration({ host, username: 'alice', password: 'secret', retry }));
    clients.bearer = new ApiClient(new Configuration({ host, accessToken: 'pat-123', retry }));
    clients.anonymous = new ApiClient(new Configuration({ host, retry }));
  }, 60_000);

  afterAll(async () => {
    const child = prism;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  });

  const entries = document ? operationsOf(document) : [];
  const tags = [...new Set(entries.map((entry) => entry.operation.tags[0]))];

  it('has operations of every tag to try', () => {
    expect(tags.length).toBe(23);
  });

  it('rejects a request that breaks the document (so the checks below have teeth)', async () => {
    const client = clients.basic;
    if (client === undefined) throw new Error('prism did not start');
    const invalid: { name: string } = JSON.parse('{"name": 42}');
    const error: unknown = await firstValueFrom(client.tasksApi.create({ body: invalid })).catch(
      (e: unknown) => e,
    );
    expect(isApiError(error) && error.status >= 400 && error.status < 500).toBe(true);
  });

  // Every operation, so each of the 23 tags is covered; Prism answers each in milliseconds.
  it.each(entries.map((entry) => [entry.operation.operationId, entry] as const))(
    '%s is accepted (no 4xx) and its response decodes',
    async (_id, entry) => {
      if (document === undefined) return;
      const call = planCall(entry, document, 'sample');
      const client = clients[authFor(entry.operation)];
      if (client === undefined) throw new Error('prism did not start');
      const result = await firstValueFrom(callMethod(client, call)).catch((error: unknown) => error);
      if (isApiError(result)) throw new Error(`${result.status}: ${JSON.stringify(result.body)}`);
      if (isDecodeError(result)) throw new Error(result.message);
      if (result instanceof Error) throw result;
      expect(Array.isArray(result)).toBe(true);
    },
  );
});
