/**
 * `npm start` end to end: examples/demo.ts run as `npm start` runs it (`node --import tsx`), with no CVAT_HOST
 * (so against the emulator it embeds), in a temporary working directory.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, TSX_LOADER, cleanEnv, lines, spawnProcess } from './integration-helpers';

const DEMO = resolve(REPO, 'examples/demo.ts');
const hasTsx = existsSync(TSX_LOADER);
if (!hasTsx)
  console.warn(`spec/cli/integration-demo.spec.ts skipped: ${TSX_LOADER} is missing (run \`npm ci\`)`);
const describeTsx = hasTsx ? describe : describe.skip;

describeTsx('npm start (examples/demo.ts) against the embedded emulator', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'cvat-rx-demo-spec-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const demo = (env: Readonly<Record<string, string>> = {}) =>
    spawnProcess(process.execPath, ['--import', pathToFileURL(TSX_LOADER).href, DEMO], {
      cwd: work,
      env: cleanEnv({ DEMO_LARGE_MB: '5', ...env }),
    });

  it('runs the whole pipeline, writes ./out/ and prints the summary, exiting 0', async () => {
    const run = await demo().done;
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/started the embedded CVAT emulator at http:\/\/127\.0\.0\.1:\d+/);
    for (let step = 1; step <= 10; step += 1) expect(run.stdout).toContain(`[${step}/10]`);
    const summary = out.slice(out.indexOf('Summary'));
    expect(summary).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}project +#\d+ "cvat-rx demo" — labels car, person, tree$/),
        expect.stringMatching(/^ {2}task +#\d+ "demo task" — 7 frames, \d+ jobs, finished$/),
        expect.stringMatching(/^ {2}uploaded +7 files, .* \(6 in bulk, 1 by TUS\)$/),
        expect.stringMatching(/^ {2}annotations +21 imported \(COCO 1\.0\), 21 on the server$/),
        expect.stringMatching(/^ {2}restored +task #\d+ — 7 frames, 21 annotations$/),
        expect.stringMatching(
          /^ {2}auto-annotated +21 shapes on 7 frames \(examples\/functions\/colour-blobs\.ts\)$/,
        ),
        expect.stringMatching(/^Demo completed in \d+\.\d s\.$/),
      ]),
    );
    // Not a terminal: progress as plain lines on stderr, every phase of the pipeline.
    expect(run.stderr).not.toContain(`${String.fromCharCode(27)}[`);
    for (const phase of ['upload 100%', 'processing 100%', 'download 100%'])
      expect(run.stderr).toContain(phase);
    expect(readdirSync(join(work, 'out')).sort()).toEqual(['dataset.zip', 'task-backup.zip']);
    for (const file of ['dataset.zip', 'task-backup.zip']) {
      expect(
        readFileSync(join(work, 'out', file))
          .subarray(0, 2)
          .toString('latin1'),
      ).toBe('PK');
    }
  });

  it('writes into OUT_DIR when set', async () => {
    const run = await demo({ OUT_DIR: join(work, 'elsewhere') }).done;
    expect(run.code).toBe(0);
    expect(readdirSync(join(work, 'elsewhere')).sort()).toEqual(['dataset.zip', 'task-backup.zip']);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  it('Ctrl-C stops it cleanly: exit code 130, nothing partial in ./out/', async () => {
    const spawned = demo();
    await spawned.waitForStdout('[4/10]');
    spawned.child.kill('SIGINT');
    const run = await spawned.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('cvat-rx demo: interrupted');
    expect(run.stdout).not.toContain('Summary');
    expect(readdirSync(join(work, 'out'))).toEqual([]);
  });
});
