/**
 * The measured side of a benchmark, run in its own Node process by bench/lib/spawn.ts:
 * `node --import tsx bench/child.ts '<job json>'`. Prints one result line for the parent.
 */
import { reportResult } from './lib/spawn';
import { runPerCall } from './suites/percall-child';
import { runDownload, runFrames, runUpload } from './suites/transfer-child';
import { runList } from './suites/lists-child';
import { runNodeUpload } from './suites/node-upload-child';
import { runPeer } from './suites/peer-child';

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as { kind: string } & Record<string, unknown>;
  switch (job.kind) {
    case 'percall':
      return reportResult(await runPerCall(job));
    case 'upload':
      return reportResult(await runUpload(job));
    case 'upload-node':
      return reportResult(await runNodeUpload(job));
    case 'frames':
      return reportResult(await runFrames(job));
    case 'download':
      return reportResult(await runDownload(job));
    case 'list':
      return reportResult(await runList(job));
    case 'peer':
      return reportResult(await runPeer(job));
    default:
      throw new Error(`unknown bench job ${job.kind}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
