import { dropOneMmappedBlock } from '../../src/transport/malloc-trim';
import type * as MallocTrim from '../../src/transport/malloc-trim';
import type * as TransportModule from '../../src/transport';

describe('keepFreedMemoryForReuse', () => {
  it('allocates one block glibc would mmap() (above 128 KiB) within its dynamic threshold (at most 32 MiB)', () => {
    const bytes = dropOneMmappedBlock();
    expect(bytes).toBeGreaterThan(128 * 1024);
    expect(bytes).toBeLessThan(32 * 2 ** 20);
  });

  it('acts once per process, and only on Linux', () => {
    jest.isolateModules(() => {
      const fresh = jest.requireActual<typeof MallocTrim>('../../src/transport/malloc-trim');
      expect(fresh.keepFreedMemoryForReuse('darwin')).toBe(false);
      expect(fresh.keepFreedMemoryForReuse('linux')).toBe(true);
      expect(fresh.keepFreedMemoryForReuse('linux')).toBe(false);
    });
  });

  it('is done by the first transport made on Node', () => {
    jest.isolateModules(() => {
      const trim = jest.requireActual<typeof MallocTrim>('../../src/transport/malloc-trim');
      const { Configuration, Transport } = jest.requireActual<typeof TransportModule>('../../src/transport');
      new Transport(new Configuration({ host: 'http://127.0.0.1:9' }));
      // On Linux it was done for this process: another call does nothing.
      expect(trim.keepFreedMemoryForReuse('linux')).toBe(process.platform !== 'linux');
    });
  });

  it('is not done by importing the transport alone', () => {
    jest.isolateModules(() => {
      jest.requireActual('../../src/transport');
      const trim = jest.requireActual<typeof MallocTrim>('../../src/transport/malloc-trim');
      expect(trim.keepFreedMemoryForReuse('linux')).toBe(true);
    });
  });
});
