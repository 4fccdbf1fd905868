/**
 * `npm start`: the whole lifecycle of a CVAT task through cvat-rx's public API.
 *
 * Without CVAT_HOST it starts the embedded emulator in this process (on a free port) and runs
 * against it; with CVAT_HOST (and CVAT_USER/CVAT_PASSWORD, or CVAT_ACCESS_TOKEN) it runs against
 * that server. Files go to ./out/ (or OUT_DIR). Ctrl-C stops cleanly: the pipeline is one
 * Observable and unsubscribing aborts whatever is in flight.
 *
 *   npm start
 *   CVAT_HOST=https://app.cvat.ai CVAT_ACCESS_TOKEN=... npm start
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { switchMap, type Subscription } from 'rxjs';
import { connect } from '../src';
import type { Credentials } from '../src';
import { startEmulator, type RunningEmulator } from '../src/emulator';
import { nodePlatform } from '../src/node';
import { formatBytes, makeProgress } from '../src/cli/progress';
import { demoPipeline, type DemoSummary } from './demo/pipeline';

const MiB = 1024 * 1024;

function credentialsFromEnv(env: NodeJS.ProcessEnv, embedded: boolean): Credentials {
  const token = env['CVAT_ACCESS_TOKEN'];
  if (token) return { token };
  const username = env['CVAT_USER'] ?? (embedded ? 'admin' : undefined);
  const password = env['CVAT_PASSWORD'] ?? (embedded ? 'admin' : undefined);
  if (!username || !password) {
    throw new Error('CVAT_HOST is set: also set CVAT_USER and CVAT_PASSWORD, or CVAT_ACCESS_TOKEN');
  }
  return { username, password };
}

function printSummary(summary: DemoSummary, seconds: number, where: string): void {
  const rel = (path: string): string => {
    const r = relative(process.cwd(), path);
    return r.startsWith('..') ? path : r;
  };
  const rows: [string, string][] = [
    ['server', `${where} (CVAT ${summary.serverVersion}), user ${summary.user}`],
    [
      'project',
      `#${summary.project.id} "${summary.project.name}" — labels ${summary.project.labels.join(', ')}`,
    ],
    [
      'task',
      `#${summary.task.id} "${summary.task.name}" — ${summary.task.frames} frames, ${summary.task.jobs} jobs, ${summary.status}`,
    ],
    [
      'uploaded',
      `${summary.uploaded.files} files, ${formatBytes(summary.uploaded.bytes)} (${summary.uploaded.bulk} in bulk, ${summary.uploaded.tus} by TUS)`,
    ],
    [
      'annotations',
      `${summary.annotations.imported} imported (COCO 1.0), ${summary.annotations.onServer} on the server`,
    ],
    ['dataset', `${rel(summary.dataset.path)} (${formatBytes(summary.dataset.bytes)})`],
    ['backup', `${rel(summary.backup.path)} (${formatBytes(summary.backup.bytes)})`],
    [
      'restored',
      `task #${summary.restored.id} — ${summary.restored.frames} frames, ${summary.restored.annotations} annotations`,
    ],
    [
      'auto-annotated',
      `${summary.autoAnnotated.shapes} shapes on ${summary.autoAnnotated.frames} frames (examples/functions/colour-blobs.ts)`,
    ],
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  console.log('\nSummary');
  for (const [key, value] of rows) console.log(`  ${key.padEnd(width)}  ${value}`);
  console.log(`\nDemo completed in ${seconds.toFixed(1)} s.`);
}

async function main(): Promise<number> {
  const env = process.env;
  const started = Date.now();
  const outDir = resolve(env['OUT_DIR'] ?? 'out');
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'cvat-rx-demo-'));
  const embedded = !env['CVAT_HOST'];

  let emulator: RunningEmulator | undefined;
  const shutdown = async (): Promise<void> => {
    rmSync(workDir, { recursive: true, force: true });
    await emulator?.close();
  };

  try {
    if (embedded) {
      // A short processing delay, so that the server-side progress is visible.
      emulator = await startEmulator({ port: 0, processingDelayMs: 40, onError: reportEmulatorError });
      console.log(`cvat-rx demo: no CVAT_HOST set, started the embedded CVAT emulator at ${emulator.url}`);
    } else {
      console.log(`cvat-rx demo: running against ${env['CVAT_HOST']}`);
    }
    const host = env['CVAT_HOST'] ?? emulator?.url ?? '';
    const credentials = credentialsFromEnv(env, embedded);
    const log = (line: string): void => console.log(line);
    const progress = () => makeProgress(process.stderr, (line) => process.stderr.write(`      ${line}\n`));

    const code = await new Promise<number>((done) => {
      const running: { subscription?: Subscription } = {};
      let interrupted = false;
      const onSigint = (): void => {
        // A second Ctrl-C while shutting down changes nothing (and must not kill us half-way).
        if (interrupted) return;
        interrupted = true;
        // Unsubscribing aborts the request in flight, stops polling and removes partial downloads.
        running.subscription?.unsubscribe();
        process.stderr.write('\ncvat-rx demo: interrupted\n');
        done(130);
      };
      process.on('SIGINT', onSigint);
      const finish = (exitCode: number): void => {
        process.removeListener('SIGINT', onSigint);
        done(exitCode);
      };
      const pipeline$ = connect({
        host,
        credentials,
        config: { platform: nodePlatform, logger: { warn: log } },
      }).pipe(
        switchMap((client) =>
          demoPipeline({
            client,
            outDir,
            workDir,
            smallImages: 6,
            largeImageBytes: Number(env['DEMO_LARGE_MB'] ?? 12) * MiB,
            bulkLimitBytes: 4 * MiB,
            tusChunkBytes: 2 * MiB,
            progress,
            log,
          }),
        ),
      );
      running.subscription = pipeline$.subscribe({
        next: (summary) => printSummary(summary, (Date.now() - started) / 1000, host),
        error: (error: unknown) => {
          console.error(`cvat-rx demo failed: ${describe(error)}`);
          finish(1);
        },
        complete: () => finish(0),
      });
    });
    return code;
  } finally {
    await shutdown();
  }
}

/** A client that went away mid-request (Ctrl-C) is no emulator failure. */
function reportEmulatorError(error: unknown): void {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'ECONNRESET' || code === 'EPIPE') return;
  console.error('[cvat-emulator]', error);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`cvat-rx demo failed: ${describe(error)}`);
    process.exitCode = 1;
  },
);
