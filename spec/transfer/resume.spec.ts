import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from '../../src/node/resume-store';
import { ResumeState, identityOf, localStorageStore, recordKey } from '../../src/transfer/resume';
import type { ResumeStore, UploadRecord } from '../../src/transfer/resume';
import { fromBytes } from '../../src/transfer/source';

describe('resume records (#14.9)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cvat-rx-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fileStore: set, get, delete; no temporary file left; unreadable records count as none', async () => {
    const store = fileStore(join(dir, 'records'));
    const key = recordKey('task-data:1', ['path:/a|1|2']);
    expect(await store.get(key)).toBeUndefined();
    await store.set(key, { version: 1, taskId: 7 });
    await store.set(key, { version: 1, taskId: 7, started: true });
    expect(await store.get(key)).toEqual({ version: 1, taskId: 7, started: true });
    expect(readdirSync(join(dir, 'records'))).toHaveLength(1);
    writeFileSync(join(dir, 'records', readdirSync(join(dir, 'records'))[0]!), '{"version":1,');
    expect(await store.get(key)).toBeUndefined();
    await store.delete(key);
    await store.delete(key);
    expect(readdirSync(join(dir, 'records'))).toEqual([]);
  });

  it('localStorageStore over a Storage', async () => {
    const map = new Map<string, string>();
    const store = localStorageStore({
      getItem: (k) => map.get(k) ?? null,
      setItem: (k, v) => void map.set(k, v),
      removeItem: (k) => void map.delete(k),
    });
    await store.set('k', { version: 1, groups: ['a'] });
    expect(await store.get('k')).toEqual({ version: 1, groups: ['a'] });
    map.set('k', 'not json');
    expect(await store.get('k')).toBeUndefined();
    await store.delete('k');
    expect(map.size).toBe(0);
  });

  it('ResumeState writes in order, each the latest record, and ignores a record of another version', async () => {
    const written: UploadRecord[] = [];
    let release: () => void = () => undefined;
    const slow: ResumeStore = {
      get: () => Promise.resolve({ version: 2 } as unknown as UploadRecord),
      set: async (_k, r) => {
        await new Promise<void>((resolve) => (release = resolve));
        written.push(r);
      },
      delete: () => Promise.resolve(),
    };
    const state = await ResumeState.open(slow, 'k');
    expect(state.record).toEqual({ version: 1 });
    const a = state.update((r) => ({ ...r, taskId: 1 }));
    const b = state.update((r) => ({ ...r, started: true }));
    for (let i = 0; i < 2; i += 1) {
      await new Promise((r) => setTimeout(r, 1));
      release();
    }
    await Promise.all([a, b]);
    expect(written).toEqual([
      { version: 1, taskId: 1 },
      { version: 1, taskId: 1, started: true },
    ]);
  });

  it('keys: the same files give the same key, a changed file another', () => {
    const a = fromBytes(new Uint8Array(3), 'a.png');
    expect(identityOf(a)).toBe('name:a.png|3');
    expect(identityOf({ name: 'a.png', size: 3, identity: 'path:/x/a.png|3|99' })).toBe('path:/x/a.png|3|99');
    const key = recordKey('s', ['path:/x|1|1', 'path:/y|2|2']);
    expect(recordKey('s', ['path:/x|1|1', 'path:/y|2|2'])).toBe(key);
    expect(recordKey('s', ['path:/x|1|1', 'path:/y|2|3'])).not.toBe(key);
    expect(recordKey('t', ['path:/x|1|1', 'path:/y|2|2'])).not.toBe(key);
  });
});
