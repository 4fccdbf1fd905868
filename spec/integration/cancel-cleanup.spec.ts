import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import type { CancelCleanup } from '../../src/entities/operations';
import { connectNode } from '../../src/node';
import { png } from '../emulator/helpers';

// #16 item 8: unsubscribing from createFromData after the task was created left an empty task.
let emu: RunningEmulator;
let client: CvatClient;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cvat-rx-cancel-'));
  writeFileSync(join(work, 'a.png'), png(8, 8));
  // Slow processing: the cancel lands while the server still works on the data.
  emu = await startEmulator({ processingDelayMs: 60_000 });
  client = await firstValueFrom(
    connectNode({ host: emu.url, credentials: { username: 'admin', password: 'admin' } }),
  );
});

afterAll(async () => {
  await emu.close();
  rmSync(work, { recursive: true, force: true });
});

/** Subscribes, waits until the server holds the task and processes its data, then unsubscribes. */
async function cancelDuringProcessing(options: {
  cleanupOnCancel?: boolean;
  onCancelCleanup?: (cleanup: CancelCleanup) => void;
}): Promise<number> {
  const before = new Set(emu.emulator.state.tasks.keys());
  let processing!: () => void;
  const processingSeen = new Promise<void>((resolve) => (processing = resolve));
  const subscription = client.tasks
    .createFromData(
      { spec: { name: 'cancelled', labels: [{ name: 'car' }] }, resources: [join(work, 'a.png')] },
      { observe: 'events', ...options },
    )
    .subscribe((event) => {
      if (event.type === 'progress' && event.phase === 'processing') processing();
    });
  await processingSeen;
  subscription.unsubscribe();
  const created = [...emu.emulator.state.tasks.keys()].filter((id) => !before.has(id));
  expect(created).toHaveLength(1);
  return created[0]!;
}

it('cleanupOnCancel: the task created before the cancel is removed, and the removal is reported', async () => {
  const reported: CancelCleanup[] = [];
  const id = await cancelDuringProcessing({
    cleanupOnCancel: true,
    onCancelCleanup: (c) => reported.push(c),
  });
  expect(reported.map(({ what, id: reportedId }) => ({ what, id: reportedId }))).toEqual([
    { what: `task ${id}`, id },
  ]);
  await expect(reported[0]!.removed).resolves.toBe(true);
  expect(emu.emulator.state.tasks.has(id)).toBe(false);
});

it('without cleanupOnCancel the cancel sends nothing more: the task stays', async () => {
  const id = await cancelDuringProcessing({});
  expect(emu.emulator.state.tasks.has(id)).toBe(true);
});

it('a completed creation is never removed', async () => {
  const fast = await startEmulator();
  try {
    const c = await firstValueFrom(
      connectNode({ host: fast.url, credentials: { username: 'admin', password: 'admin' } }),
    );
    const reported: CancelCleanup[] = [];
    const task = await firstValueFrom(
      c.tasks.createFromData(
        { spec: { name: 'kept', labels: [{ name: 'car' }] }, resources: [join(work, 'a.png')] },
        { cleanupOnCancel: true, onCancelCleanup: (cleanup: CancelCleanup) => reported.push(cleanup) },
      ),
    );
    expect(reported).toEqual([]);
    expect(fast.emulator.state.tasks.has(task.id)).toBe(true);
  } finally {
    await fast.close();
  }
});
