import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import fc from 'fast-check';
import type { RunningEmulator } from '../../src/emulator';
import type { Api } from '../emulator/helpers';
import { png, withEmulator } from '../emulator/helpers';
import { filesUnder, rawZip } from './support/emulator-files';

/**
 * Property tests over every emulator route (#14.10): random methods, headers, bodies, multipart
 * names and archive entries. Whatever arrives, the emulator answers below 500 with nothing logged
 * as a fault, no promise is left rejected, and no file appears outside its own folders.
 * A bounded slice runs in `npm test`: CVAT_RX_EMU_FUZZ_RUNS (default 250) and CVAT_RX_EMU_FUZZ_SEED
 * replay or widen it.
 */
const RUNS = Number(process.env['CVAT_RX_EMU_FUZZ_RUNS'] ?? 250);
const SEED = Number(process.env['CVAT_RX_EMU_FUZZ_SEED'] ?? 20261202);

const DEEP = '../'.repeat(30);

describe('fuzzing every emulator route', () => {
  let root: string;
  let outside: string;
  let share: string;
  let running: RunningEmulator;
  let api: Api;
  const errors: unknown[] = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason);
  };
  const previousTmp = process.env['TMPDIR'];

  beforeAll(async () => {
    // The emulator's folder lives under a private root, so any file that escapes it can be seen.
    root = mkdtempSync(join(tmpdir(), 'cvat-rx-emu-fuzz-'));
    outside = join(root, 'outside');
    share = join(root, 'share');
    mkdirSync(outside);
    mkdirSync(join(share, 'images'), { recursive: true });
    writeFileSync(join(share, 'images', 'a.png'), png(3, 2));
    process.env['TMPDIR'] = join(root, 'tmp');
    mkdirSync(process.env['TMPDIR']);
    ({ emu: running, api } = await withEmulator({ shareDir: share, onError: (e) => errors.push(e) }));
    process.on('unhandledRejection', onRejection);
    // Objects with id 1 exist, so routes reach their handlers rather than stopping at 404.
    await api.post('/api/projects', { name: 'p', labels: [{ name: 'car' }] });
    await api.taskWithImages({ name: 't', labels: [{ name: 'car' }] }, [['a.png', png(4, 3)]]);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await running.close();
    if (previousTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previousTmp;
    rmSync(root, { recursive: true, force: true });
  });

  const hostileName = fc.oneof(
    // Climbs to the sentinel folder by its absolute path (known once beforeAll ran).
    fc.constant(null).map(() => `${DEEP}${outside.slice(1)}/x.png`),
    fc.constantFrom(
      'a.png',
      '写真.png',
      '../x.png',
      '../../x.png',
      'data/../../x.png',
      '/etc/x.png',
      'C:\\x.png',
      '..\\..\\x.png',
      'a//b.png',
      './a.png',
      'a\u0000.png',
      'x'.repeat(300),
      '',
    ),
  );
  const pathValue = fc.constantFrom('1', '2', '999999', 'abc', '%zz', '%E0%A4%A', '..', '%2e%2e', 'rq%2F1');

  const archive = fc
    .array(
      fc.record({
        name: fc.oneof(
          hostileName,
          fc.constantFrom('task.json', 'annotations.json', 'project.json', 'data/a.png', 'images/a.png'),
        ),
        kind: fc.constantFrom('png', 'json', 'junk', 'bomb'),
        deflate: fc.boolean(),
        lie: fc.boolean(),
      }),
      { maxLength: 4 },
    )
    .map((entries) =>
      rawZip(
        entries.map((e) => {
          const data =
            e.kind === 'png'
              ? png(2, 2)
              : e.kind === 'json'
                ? Buffer.from(JSON.stringify({ version: '1.0', name: 'x', labels: [], jobs: [] }))
                : e.kind === 'bomb'
                  ? Buffer.alloc(2 * 1024 * 1024)
                  : Buffer.from('junk');
          return {
            name: e.name,
            data,
            deflate: e.deflate || e.kind === 'bomb',
            ...(e.lie ? { declaredSize: 16 } : {}),
          };
        }),
      ),
    );

  const multipart = fc
    .tuple(
      fc.array(
        fc.tuple(
          fc.constantFrom('client_files[0]', 'task_file', 'project_file', 'annotation_file', 'x'),
          hostileName,
        ),
        {
          maxLength: 3,
        },
      ),
      fc.constantFrom('', '\r\n', '--', 'garbage'),
      archive,
    )
    .map(([parts, tail, zip]) => {
      const boundary = 'fuzzB';
      const chunks: Buffer[] = [];
      for (const [field, name] of parts)
        chunks.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n\r\n`,
          ),
          zip,
          Buffer.from('\r\n'),
        );
      chunks.push(Buffer.from(`--${boundary}--${tail}`));
      return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
    });

  const body = fc.oneof(
    fc.constant({ type: undefined as string | undefined, body: undefined as Buffer | undefined }),
    fc
      .jsonValue({ maxDepth: 3 })
      .map((v) => ({ type: 'application/json', body: Buffer.from(JSON.stringify(v)) })),
    fc
      .record({
        name: fc.string({ maxLength: 8 }),
        labels: fc.constantFrom(undefined, [{ name: 'a' }], 'x', [{}]),
        server_files: fc.constantFrom(undefined, ['images/'], ['../x'], ['/images/a.png'], ['link']),
        image_quality: fc.constantFrom(undefined, 70, 'x', -1),
      })
      .map((v) => ({ type: 'application/json', body: Buffer.from(JSON.stringify(v)) })),
    multipart,
    archive.map((zip) => ({ type: 'application/zip', body: zip })),
    fc
      .uint8Array({ maxLength: 200 })
      .map((b) => ({ type: 'application/octet-stream', body: Buffer.from(b) })),
  );

  const headers = fc.record(
    {
      'Upload-Length': fc.constantFrom('0', '10', '-1', 'x', '99999999999999'),
      'Upload-Metadata': hostileName.map((n) => `filename ${Buffer.from(n).toString('base64')}`),
      'Upload-Offset': fc.constantFrom('0', '5', 'x'),
      'Upload-Start': fc.constant('true'),
      'Upload-Finish': fc.constant('true'),
      'Upload-Multiple': fc.constant('true'),
      'Tus-Resumable': fc.constant('1.0.0'),
      'X-Organization': fc.constantFrom('', 'nope', '%'),
      Origin: fc.constantFrom('http://localhost:1', 'https://evil.example', 'null'),
      Authorization: fc.constantFrom('Basic YWRtaW46YWRtaW4=', 'Basic !!', 'Token x', 'Bearer y'),
    },
    { requiredKeys: [] },
  );

  const routes = (): Array<{ method: string; pattern: string }> => running.emulator.router.list();

  it(`${RUNS} random requests: no 500, nothing logged, no escaped file`, async () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(50);
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: all.length - 1 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ROUTE'),
        fc.array(pathValue, { minLength: 4, maxLength: 4 }),
        fc.constantFrom(
          '',
          '?page=0',
          '?page_size=x',
          '?filter=%7B',
          '?format=COCO%201.0',
          '?location=cloud_storage',
          '?directory=/../',
          '?%zz=1',
        ),
        headers,
        body,
        async (index, method, values, query, extra, payload) => {
          const route = all[index]!;
          let k = 0;
          const path = route.pattern.replace(/:[a-z_]+/g, () => values[k++] ?? '1');
          const chosen = method === 'ROUTE' ? route.method : method;
          const init: RequestInit = {
            method: chosen,
            headers: {
              Authorization: 'Basic YWRtaW46YWRtaW4=',
              ...extra,
              ...(payload.type ? { 'Content-Type': payload.type } : {}),
            },
          };
          if (payload.body && chosen !== 'GET' && chosen !== 'HEAD') init.body = new Uint8Array(payload.body);
          const res = await fetch(`${running.url}${path}${query}`, init);
          await res.arrayBuffer();
          if (res.status >= 500 && res.status !== 501)
            failures.push(`${chosen} ${path}${query} -> ${res.status}`);
          return res.status < 500 || res.status === 501;
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    // Requests queued by the run finish in the background: let them end before looking.
    for (const rq of running.emulator.state.requests.values())
      if (rq.status === 'queued' || rq.status === 'started') await api.wait(rq.id).catch(() => undefined);
    expect(failures).toEqual([]);
    expect(errors).toEqual([]);
    expect(rejections).toEqual([]);
    const internal = [...running.emulator.state.requests.values()].filter((r) =>
      /^Internal error/.test(r.message),
    );
    expect(internal.map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(filesUnder(outside)).toEqual([]);
    // Every file under the private root is the share's, or inside the emulator's own folder.
    const own = relative(root, running.emulator.state.tempDir);
    const stray = filesUnder(root).filter(
      (f) => !f.path.startsWith(`${own.split(sep).join('/')}/`) && f.path !== 'share/images/a.png',
    );
    expect(stray).toEqual([]);
  });
});
