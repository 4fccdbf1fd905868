import { firstValueFrom } from 'rxjs';
import { UsageError } from '../../src/errors';
import { Readable } from 'node:stream';
import { fromBlob, fromBytes, openRange, resolveSources, validateSources } from '../../src/transfer/source';
import type { UploadSource } from '../../src/transfer/source';

describe('browser sources', () => {
  it('slices a Blob lazily and names a File after itself', async () => {
    const file = new File(['hello world'], 'greeting.txt', { type: 'text/plain' });
    const source = fromBlob(file);
    expect(source).toMatchObject({ name: 'greeting.txt', size: 11, type: 'text/plain', seekable: true });
    const slice = await source.open(6, 11);
    expect(slice).toBeInstanceOf(Blob);
    expect(await (slice as Blob).text()).toBe('world');
    expect(await source.open()).toBe(file);
  });

  it('wraps bytes without copying them for TUS ranges', async () => {
    const bytes = new TextEncoder().encode('abcdef');
    const source = fromBytes(bytes, 'x.bin');
    const range = (await source.open(1, 3)) as Uint8Array;
    expect(range.buffer).toBe(bytes.buffer);
    expect(new TextDecoder().decode(range)).toBe('bc');
    expect(await (await source.blob!()).text()).toBe('abcdef');
  });

  it('resolves Files and named Blobs', async () => {
    const sources = await firstValueFrom(
      resolveSources([new File(['a'], 'a.txt'), { name: 'b.txt', blob: new Blob(['bb']) }]),
    );
    expect(sources.map((s) => [s.name, s.size])).toEqual([
      ['a.txt', 1],
      ['b.txt', 2],
    ]);
  });

  it.each([
    ['no files', []],
    ['a Blob without a name', [new Blob(['x'])]],
    ['two files with one name', [new File(['a'], 'same.jpg'), new File(['b'], 'same.jpg')]],
  ])('rejects %s with a UsageError in the error channel', async (_label, inputs) => {
    const sources$ = resolveSources(inputs as never);
    await expect(firstValueFrom(sources$)).rejects.toBeInstanceOf(UsageError);
  });

  it.each(['', '../etc/passwd', '/abs.jpg', 'a\\b.jpg', 'a/./b', 'nul\0.jpg', 'dir/'])(
    'rejects the name %j',
    (name) => {
      expect(() => validateSources([fromBytes(new Uint8Array(1), name)])).toThrow(UsageError);
    },
  );

  it('accepts relative names with folders', () => {
    expect(() => validateSources([fromBytes(new Uint8Array(1), 'cats/cat_1.jpg')])).not.toThrow();
  });
});

describe('openRange', () => {
  const streamSource = () => {
    let resolveOpen: (body: Readable) => void = () => undefined;
    const source: UploadSource = {
      name: 'a.bin',
      size: 10,
      seekable: true,
      open: () => new Promise<Readable>((resolve) => (resolveOpen = resolve)),
    };
    return { source, resolveOpen: (body: Readable) => resolveOpen(body) };
  };

  it('hands over the opened body', async () => {
    const { source, resolveOpen } = streamSource();
    const body = Readable.from([Buffer.from('x')]);
    const opened = firstValueFrom(openRange(source, 0, 10));
    resolveOpen(body);
    expect(await opened).toBe(body);
    expect(body.destroyed).toBe(false);
  });

  it('destroys a body that arrives after the subscriber left, so its file is closed', async () => {
    const { source, resolveOpen } = streamSource();
    const body = Readable.from([Buffer.from('x')]);
    const seen: unknown[] = [];
    openRange(source, 0, 10)
      .subscribe((value) => seen.push(value))
      .unsubscribe();
    resolveOpen(body);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    expect(body.destroyed).toBe(true);
  });
});
