import { count, lastValueFrom } from 'rxjs';
import { makeClient } from '../../src/client';
import { PASSWORD, USER } from '../lib/emulator';
import { nowMs } from '../lib/stats';

export interface ListResult {
  /** Milliseconds to list every task, one entry per run. */
  readonly ms: number[];
  readonly items: number;
}

/** `client.tasks.list()` to the end, `runs` times, with the given page size and prefetch. */
export async function runList(job: Record<string, unknown>): Promise<ListResult> {
  const client = makeClient({ host: String(job.url), credentials: { username: USER, password: PASSWORD } });
  const query = { pageSize: Number(job.pageSize), prefetch: Number(job.prefetch) };
  let items = await lastValueFrom(client.tasks.list(query).pipe(count())); // warm
  const ms: number[] = [];
  for (let r = 0; r < Number(job.runs); r++) {
    const start = nowMs();
    items = await lastValueFrom(client.tasks.list(query).pipe(count()));
    ms.push(nowMs() - start);
  }
  return { ms, items };
}
