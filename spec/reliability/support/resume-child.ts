/**
 * A separate process for spec/reliability/resume-after-kill.spec.ts: logs in, then creates a task
 * from the given files with a resumable upload recorded in a file store; prints the task id.
 * Usage: tsx resume-child.ts HOST STORE_DIR CHUNK_BYTES FILE...
 */
import { lastValueFrom } from 'rxjs';
import { fileStore, makeNodeClient } from '../../../src/node';

const [host, storeDir, chunk, ...files] = process.argv.slice(2);
const client = await lastValueFrom(
  makeNodeClient({ host: host ?? '' }).login({ username: 'admin', password: 'admin' }),
);
const task = await lastValueFrom(
  client.tasks.createFromData(
    { spec: { name: 'resumable', labels: [{ name: 'x' }] }, resources: files },
    { resume: { store: fileStore(storeDir ?? '') }, upload: { chunkSize: Number(chunk) } },
  ),
);
process.stdout.write(`${JSON.stringify({ taskId: task.id })}\n`);
