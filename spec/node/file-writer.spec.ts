import { existsSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWriter } from '../../src/node/file-writer';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvat-rx-writer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const isOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};
const never = (error: Error) => {
  throw error;
};

describe('FileWriter', () => {
  it('writes in the calling thread while writes are quick, then closes the file', async () => {
    const path = join(dir, 'out');
    const fd = openSync(path, 'wx');
    const writer = new FileWriter(fd, never);
    expect(writer.write(bytes('hello '))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('hello '); // already written when write() returns
    expect(writer.write(bytes('world'))).toBe(true);
    expect(writer.synchronous).toBe(true);
    await writer.end();
    expect(readFileSync(path, 'utf8')).toBe('hello world');
    expect(isOpen(fd)).toBe(false);
  });

  it('goes to the thread pool after a slow write, keeping the order and asking for pauses', async () => {
    const path = join(dir, 'out');
    const writer = new FileWriter(openSync(path, 'wx'), never, { slowWriteMs: -1, highWaterMark: 8 });
    expect(writer.write(bytes('first;'))).toBe(true); // written here, and found "slow"
    expect(writer.synchronous).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('first;');
    expect(writer.write(bytes('abc'))).toBe(true); // 3 of 8 queued bytes
    expect(writer.write(bytes('defgh'))).toBe(false); // 8: pause
    const drained = new Promise<void>((resolve) => writer.onDrain(resolve));
    await drained; // "abc" written: 5 bytes left
    expect(writer.write(bytes(';last'))).toBe(false); // 10
    await writer.end();
    expect(readFileSync(path, 'utf8')).toBe('first;abcdefgh;last');
  });

  it('throws what a write in the calling thread throws', () => {
    const path = join(dir, 'read-only');
    openSync(path, 'wx');
    const writer = new FileWriter(openSync(path, 'r'), never);
    expect(() => writer.write(bytes('x'))).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  const deviceFull = existsSync('/dev/full') ? it : it.skip;
  deviceFull('reports a failed write of the thread pool once, and end() rejects with it', async () => {
    const fd = openSync('/dev/full', 'w');
    const errors: Error[] = [];
    const writer = new FileWriter(fd, (error) => errors.push(error), { slowWriteMs: -1 });
    writer.write(new Uint8Array(0)); // nothing to write, "slow": from now on, the thread pool
    writer.write(bytes('no room'));
    await expect(writer.end()).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ENOSPC' });
    expect(isOpen(fd)).toBe(false);
    expect(() => writer.write(bytes('more'))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
  });

  it('closes the file only after a write the thread pool is doing, when destroyed meanwhile', async () => {
    const fd = openSync(join(dir, 'out'), 'wx');
    const writer = new FileWriter(fd, never, { slowWriteMs: -1 });
    writer.write(new Uint8Array(0));
    writer.write(new Uint8Array(4 * 2 ** 20)); // in the thread pool now
    const closed = new Promise<void>((resolve) => writer.destroy(resolve));
    expect(isOpen(fd)).toBe(true);
    await closed;
    expect(isOpen(fd)).toBe(false);
    expect(() => writer.write(bytes('late'))).toThrow('write after the file was closed');
    await expect(writer.end()).rejects.toThrow('end after the file was closed');
  });
});
