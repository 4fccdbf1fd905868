import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import nock from 'nock';
import { lastValueFrom, toArray } from 'rxjs';
import { downloadToFile, nodePlatform } from '../../src/node';
import { MAX_NAME_BYTES, tempPathFor } from '../../src/node/temp-name';
import { sanitizeFilename } from '../../src/transfer/download';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

const HOST = 'http://cvat.test';

/**
 * A final name a file system takes (here 213 characters, or 255 bytes) must not fail because of
 * the temporary `.NAME.UUID.part` it is written through (before: 256+ bytes, ENAMETOOLONG).
 */
describe('temporary names always fit (#14.7)', () => {
  let dir: string;
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cvat-rx-long-'))));
  afterEach(() => {
    nock.cleanAll();
    rmSync(dir, { recursive: true, force: true });
  });

  const names = [
    ['213 ASCII characters', `${'a'.repeat(209)}.zip`],
    ['255 bytes', `${'b'.repeat(251)}.zip`],
    ['255 bytes of 3-byte characters', `${'写'.repeat(83)}.zip`.slice(0, 85)],
  ] as const;

  it.each(names)('downloadToFile to a name of %s', async (_what, name) => {
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    nock(HOST).get('/file').reply(200, Buffer.from('payload'));
    const transport = new Transport(new Configuration({ host: HOST, retry: { maxAttempts: 1 } }));
    const events = await lastValueFrom(
      downloadToFile(transport, { method: 'GET', url: '/file' }, { path: join(dir, name) }).pipe(toArray()),
    );
    expect(events[events.length - 1]?.type).toBe('result');
    expect(readFileSync(join(dir, name), 'utf8')).toBe('payload');
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('frames written through the Node platform too', async () => {
    const name = `${'c'.repeat(209)}.png`;
    await lastValueFrom(nodePlatform.writeFile!(join(dir, name), new Uint8Array([1, 2]), {}));
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('tempPathFor: same folder, at most 255 bytes, unique, never splits a character', () => {
    for (const name of ['short.zip', 'x'.repeat(255), `${'写'.repeat(84)}.z`, `${'é'.repeat(127)}`]) {
      const final = join(dir, name);
      const a = tempPathFor(final);
      expect(dirname(a)).toBe(dir);
      expect(Buffer.byteLength(basename(a))).toBeLessThanOrEqual(MAX_NAME_BYTES);
      expect(basename(a)).toMatch(/^\..+\.[0-9a-f-]{36}\.part$/);
      expect(basename(a)).not.toContain('\uFFFD');
      expect(tempPathFor(final)).not.toBe(a);
    }
    expect(basename(tempPathFor(join(dir, 'short.zip')))).toMatch(/^\.short\.zip\./);
  });

  it('a server-proposed name (Content-Disposition) is cut to 255 bytes, not 255 characters', () => {
    const name = sanitizeFilename(`${'写'.repeat(200)}.zip`) ?? '';
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(name).toBe('写'.repeat(85));
    expect(sanitizeFilename('a'.repeat(300))).toBe('a'.repeat(255));
  });
});
