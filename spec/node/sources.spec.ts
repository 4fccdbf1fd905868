import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import nock from 'nock';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { UsageError } from '../../src/errors';
import { fromPath, fromReadable, resolveNodeSources, uploadFiles } from '../../src/node';
import { Configuration } from '../../src/transport/configuration';
import { MultipartBody, encodeForm } from '../../src/transport/multipart';
import { Transport } from '../../src/transport/transport';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cvat-rx-sources-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const text = async (body: unknown) => {
  if (body instanceof Blob) return body.text();
  if (body instanceof Readable) {
    const parts: Buffer[] = [];
    for await (const part of body) parts.push(part as Buffer);
    return Buffer.concat(parts).toString();
  }
  return Buffer.from(body as Uint8Array).toString();
};

describe('fromPath', () => {
  it('reads the size now and the bytes lazily: ranges as file streams, the whole as a Blob', async () => {
    const file = join(dir, 'photo.jpg');
    writeFileSync(file, 'hello world');
    const source = await fromPath(file);
    expect(source).toMatchObject({ name: 'photo.jpg', size: 11, seekable: true });
    const range = await source.open(6, 11);
    expect(range).toBeInstanceOf(Readable);
    expect(await text(range)).toBe('world');
    expect(await text(await source.open(0, 5))).toBe('hello');
    expect(await text(await source.open(3, 3))).toBe('');
    expect(await (await source.blob!()).text()).toBe('hello world');
  });

  it('keeps a given relative name', async () => {
    writeFileSync(join(dir, 'a.jpg'), 'x');
    expect((await fromPath(join(dir, 'a.jpg'), 'cats/a.jpg')).name).toBe('cats/a.jpg');
  });

  it('fails to read a file changed after it was opened, rather than sending mixed data', async () => {
    const file = join(dir, 'a.bin');
    writeFileSync(file, 'before');
    const source = await fromPath(file);
    writeFileSync(file, 'after, and longer');
    await expect(source.open(0, 3)).rejects.toThrow(/changed after it was chosen/);
    await expect(source.blob!().then((blob) => blob.text())).rejects.toThrow();
  });

  /** One file `a.bin` of the given content, in a body as a bulk upload builds it (read whole). */
  const bodyOfFile = async (content: string): Promise<{ file: string; body: MultipartBody }> => {
    const file = join(dir, 'a.bin');
    writeFileSync(file, content);
    const source = await fromPath(file);
    const body = new MultipartBody([
      { name: 'f0', filename: source.name, content: { size: source.size, readInto: source.readInto! } },
    ]);
    return { file, body };
  };

  it('fails to send a file changed after it was chosen, rather than sending mixed data', async () => {
    const { file, body } = await bodyOfFile('before');
    writeFileSync(file, 'after!');
    await expect(encodeForm(body).chunks().next()).rejects.toThrow(/changed after it was chosen/);
  });

  it('sends a file read whole into the body, byte for byte', async () => {
    const { body } = await bodyOfFile('hello world');
    const parts: Uint8Array[] = [];
    for await (const chunk of encodeForm(body, 'B').chunks()) parts.push(chunk);
    expect(Buffer.concat(parts).toString()).toBe(
      '--B\r\nContent-Disposition: form-data; name="f0"; filename="a.bin"\r\n' +
        'Content-Type: application/octet-stream\r\n\r\nhello world\r\n--B--\r\n',
    );
  });

  it('fails to send a file changed after its Blob was made (a big file of a bulk request)', async () => {
    const file = join(dir, 'a.bin');
    writeFileSync(file, 'before');
    const form = new FormData();
    form.append('f0', await (await fromPath(file)).blob!());
    writeFileSync(file, 'after!');
    await expect(encodeForm(form).chunks().next()).rejects.toThrow(/could not be read/);
  });

  it.each([
    ['a missing file', (d: string) => join(d, 'missing.jpg'), /no such file/],
    ['a directory', (d: string) => d, /directory/],
    [
      'a path under a file',
      (d: string) => (writeFileSync(join(d, 'f'), ''), join(d, 'f', 'x')),
      /not a directory/,
    ],
  ])('rejects %s with a UsageError', async (_label, makePath, message) => {
    const error = await fromPath(makePath(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  (asRoot ? it.skip : it)('rejects an unreadable file with a UsageError (skipped as root)', async () => {
    const file = join(dir, 'secret.jpg');
    writeFileSync(file, 'x');
    chmodSync(file, 0o000);
    await expect(fromPath(file)).rejects.toThrow(/permission denied/);
  });
});

describe('fromReadable', () => {
  const stream = (text: string, chunk = 4) =>
    Readable.from(
      (function* () {
        for (let i = 0; i < text.length; i += chunk) yield Buffer.from(text.slice(i, i + chunk));
      })(),
    );

  it('reads forwards and can resume anywhere within the range it holds', async () => {
    const source = fromReadable(stream('abcdefghijklmnopqrstuvwxy'), { name: 's.bin', size: 25 });
    expect(source.seekable).toBe(false);
    expect(source.blob).toBeUndefined();
    expect(await text(await source.open(0, 10))).toBe('abcdefghij');
    expect(await text(await source.open(10, 20))).toBe('klmnopqrst');
    // The chunk at 10 failed after 3 bytes: resume at 13.
    expect(await text(await source.open(13, 23))).toBe('nopqrstuvw');
    expect(await text(await source.open(23, 25))).toBe('xy');
  });

  it('cannot go back before the range it holds', async () => {
    const source = fromReadable(stream('abcdefghij'), { name: 's.bin', size: 10 });
    await source.open(0, 5);
    await source.open(5, 10);
    await expect(source.open(2, 7)).rejects.toBeInstanceOf(UsageError);
  });

  it('reports a stream shorter than announced', async () => {
    const source = fromReadable(stream('abc'), { name: 's.bin', size: 10 });
    await expect(source.open(0, 10)).rejects.toThrow(/ended after 3 bytes; 10 were announced/);
  });
});

describe('resolveNodeSources', () => {
  it('accepts paths, named paths, bytes, streams and Blobs', async () => {
    writeFileSync(join(dir, 'a.jpg'), 'aaa');
    const sources = await firstValueFrom(
      resolveNodeSources([
        join(dir, 'a.jpg'),
        { path: join(dir, 'a.jpg'), name: 'copy/a.jpg' },
        { name: 'b.bin', data: Buffer.from('bb') },
        { name: 'c.bin', stream: Readable.from([Buffer.from('c')]), size: 1 },
        { name: 'd.txt', blob: new Blob(['dddd']) },
        new File(['e'], 'e.txt'),
      ]),
    );
    expect(sources.map((s) => [s.name, s.size, s.seekable])).toEqual([
      ['a.jpg', 3, true],
      ['copy/a.jpg', 3, true],
      ['b.bin', 2, true],
      ['c.bin', 1, false],
      ['d.txt', 4, true],
      ['e.txt', 1, true],
    ]);
  });

  it('is lazy: nothing is checked before subscribe', () => {
    expect(() => resolveNodeSources([join(dir, 'missing')])).not.toThrow();
  });

  it.each([
    ['no files', () => []],
    ['two files with one name', (d: string) => [join(d, 'a.jpg'), { name: 'a.jpg', data: Buffer.from('x') }]],
    ['a stream without a size', () => [{ name: 's', stream: Readable.from([]), size: Number.NaN }]],
    ['a missing file among good ones', (d: string) => [join(d, 'a.jpg'), join(d, 'nope.jpg')]],
  ])('rejects %s', async (_label, inputs) => {
    writeFileSync(join(dir, 'a.jpg'), 'aaa');
    await expect(firstValueFrom(resolveNodeSources(inputs(dir) as never))).rejects.toBeInstanceOf(UsageError);
  });
});

describe('uploadFiles: bad input fails before any request', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => nock.cleanAll());

  it.each([
    ['a missing file', (d: string) => [join(d, 'missing.jpg')]],
    ['a directory', (d: string) => [d]],
    ['no files', () => []],
    [
      'a duplicate name',
      (d: string) => (
        writeFileSync(join(d, 'a.jpg'), 'a'),
        mkdirSync(join(d, 'sub')),
        writeFileSync(join(d, 'sub', 'a.jpg'), 'b'),
        [join(d, 'a.jpg'), join(d, 'sub', 'a.jpg')]
      ),
    ],
  ])('%s', async (_label, inputs) => {
    const seen: string[] = [];
    const listener = (req: { method?: string; path?: string }) => seen.push(`${req.method} ${req.path}`);
    nock.emitter.on('no match', listener);
    const scope = nock('http://cvat.test').post(/.*/).reply(202, {});
    const transport = new Transport(new Configuration({ host: 'http://cvat.test' }));
    const upload$ = uploadFiles(transport, inputs(dir), { url: '/api/tasks/1/data/' });
    await expect(lastValueFrom(upload$)).rejects.toBeInstanceOf(UsageError);
    nock.emitter.removeListener('no match', listener);
    expect(seen).toEqual([]);
    expect(scope.isDone()).toBe(false);
  });
});
