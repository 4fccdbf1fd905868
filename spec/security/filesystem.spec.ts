import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { CvatError, NetworkError, UsageError } from '../../src/errors';
import { downloadToFile } from '../../src/node/download-to-file';
import type { DownloadedFile, DownloadToFileOptions } from '../../src/node/download-to-file';
import { filenameFromContentDisposition, sanitizeFilename } from '../../src/transfer/download';
import { Configuration } from '../../src/transport/configuration';
import { Transport } from '../../src/transport/transport';

/** What the server does for the next request. */
interface Script {
  readonly disposition?: string;
  readonly body: Buffer;
  /** Send this many bytes of the body, then destroy the connection. */
  readonly cutAfter?: number;
}

const HOSTILE_NAMES = [
  'attachment; filename="../../escape.txt"',
  'attachment; filename="/etc/passwd"',
  'attachment; filename="..\\\\..\\\\escape.txt"',
  'attachment; filename="C:\\\\Windows\\\\escape.txt"',
  'attachment; filename="evil\u0000.txt"',
  "attachment; filename*=UTF-8''..%2F..%2Fescape.txt",
  "attachment; filename*=UTF-8''%2Fetc%2Fescape.txt",
  "attachment; filename*=UTF-8''..%5C..%5Cescape.txt",
  "attachment; filename*=UTF-8''evil%00.txt",
  'attachment; filename=".."',
  'attachment; filename="."',
  'attachment; filename=""',
  'attachment; filename="....//....//escape.txt"',
  'attachment; filename=".hidden"',
  'attachment; filename="dir/sub/../../../escape.txt"',
  'attachment; filename="%2e%2e%2fescape.txt"',
  'attachment; filename="\u202etxt.exe"',
  'attachment; filename="a\r\nb.txt"',
];

describe('files written from server-chosen names', () => {
  let server: Server;
  let host: string;
  let script: Script = { body: Buffer.from('data') };
  let root: string;
  let target: string;
  let transport: Transport;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/zip',
        'Content-Length': script.body.length,
      };
      if (script.disposition !== undefined) headers['Content-Disposition'] = script.disposition;
      try {
        res.writeHead(200, headers);
      } catch {
        // Node refuses some header values (NUL, CR LF): send them raw instead.
        res.socket?.end(
          `HTTP/1.1 200 OK\r\nContent-Length: ${script.body.length}\r\nConnection: close\r\n` +
            `Content-Disposition: ${script.disposition?.replace(/[\r\n]/g, '') ?? ''}\r\n\r\n${script.body.toString('latin1')}`,
        );
        return;
      }
      if (script.cutAfter !== undefined) {
        res.write(script.body.subarray(0, script.cutAfter), () => res.destroy());
        return;
      }
      res.end(script.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = new Transport(
      new Configuration({ host, retry: { maxAttempts: 1 }, timeouts: { idleMs: 2_000 } }),
    );
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cvat-rx-fs-'));
    target = join(root, 'target');
    mkdirSync(target);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const download = (options: DownloadToFileOptions) =>
    lastValueFrom(downloadToFile(transport, { method: 'GET', url: '/download' }, options).pipe(toArray()));
  const resultOf = async (options: DownloadToFileOptions): Promise<DownloadedFile> => {
    const events = await download(options);
    const last = events[events.length - 1];
    if (last?.type !== 'result') throw new Error('no result');
    return last.value;
  };
  const failureOf = async (options: DownloadToFileOptions): Promise<unknown> => {
    try {
      await download(options);
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  };

  it.each(HOSTILE_NAMES)('Content-Disposition %j stays inside the target folder', async (disposition) => {
    script = { disposition, body: Buffer.from('payload') };
    const outcome = await resultOf({ directory: target }).catch((error: unknown) => error);
    if (outcome instanceof Error) {
      // Refusing is acceptable, as long as it is a typed error (Node rejects a NUL in a header).
      expect(outcome).toBeInstanceOf(CvatError);
    } else {
      const written = outcome as DownloadedFile;
      expect(dirname(written.path)).toBe(target);
      const name = written.path.slice(target.length + 1);
      expect(name).not.toMatch(/[/\\\0]/);
      expect(name.startsWith('.')).toBe(false);
      expect(readFileSync(written.path, 'utf8')).toBe('payload');
    }
    // Nothing anywhere but in the target folder, and no temporary file left.
    expect(readdirSync(root)).toEqual(['target']);
    expect(readdirSync(target).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('sanitized names never leave a folder, for any Content-Disposition (fast-check)', () => {
    const base = resolve('/srv/downloads');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `attachment; filename="${s}"`),
          fc.string().map((s) => `attachment; filename*=UTF-8''${encodeURIComponent(s)}`),
          fc
            .array(fc.constantFrom('..', '.', '/', '\\', 'a', '\u0000', '%2e', '%2f', 'C:', ' '), {
              maxLength: 12,
            })
            .map((parts) => `attachment; filename*=UTF-8''${parts.join('')}`),
        ),
        (header) => {
          const name = filenameFromContentDisposition(header);
          if (name === undefined) return;
          expect(name).not.toMatch(/[/\\\0]/);
          expect(name === '.' || name === '..' || name.startsWith('.')).toBe(false);
          const joined = resolve(base, name);
          const rel = relative(base, joined);
          expect(rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.includes(sep)).toBe(false);
        },
      ),
      { numRuns: 2_000 },
    );
    expect(sanitizeFilename('../../x')).toBe('x');
  });

  it('an existing file is not replaced unless overwrite is given', async () => {
    const path = join(target, 'out.zip');
    writeFileSync(path, 'original');
    script = { body: Buffer.from('new content') };
    expect(await failureOf({ path })).toBeInstanceOf(UsageError);
    expect(readFileSync(path, 'utf8')).toBe('original');

    // The same through a server-proposed name that collides.
    script = { disposition: 'attachment; filename="out.zip"', body: Buffer.from('new content') };
    expect(await failureOf({ directory: target })).toBeInstanceOf(UsageError);
    expect(readFileSync(path, 'utf8')).toBe('original');
    expect(readdirSync(target)).toEqual(['out.zip']);

    const replaced = await resultOf({ path, overwrite: true });
    expect(readFileSync(replaced.path, 'utf8')).toBe('new content');
  });

  it('a download that breaks mid-stream leaves the old file intact and no partial file', async () => {
    const path = join(target, 'out.zip');
    writeFileSync(path, 'original');
    script = { body: Buffer.alloc(256 * 1024, 7), cutAfter: 100 * 1024 };
    const error = await failureOf({ path, overwrite: true });
    expect(error).toBeInstanceOf(NetworkError);
    expect(readFileSync(path, 'utf8')).toBe('original');
    expect(readdirSync(target)).toEqual(['out.zip']);

    script = {
      disposition: 'attachment; filename="fresh.zip"',
      body: Buffer.alloc(256 * 1024, 7),
      cutAfter: 1,
    };
    expect(await failureOf({ directory: target })).toBeInstanceOf(NetworkError);
    expect(readdirSync(target)).toEqual(['out.zip']);
  });

  it('an unsubscribe mid-stream leaves nothing behind', async () => {
    script = { body: Buffer.alloc(512 * 1024, 1), cutAfter: 64 * 1024 };
    const path = join(target, 'cancelled.zip');
    await new Promise<void>((resolve, reject) => {
      const subscription = downloadToFile(transport, { method: 'GET', url: '/download' }, { path }).subscribe(
        {
          next: (event) => {
            if (event.type === 'progress' && event.loaded > 0) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        },
      );
    });
    expect(readdirSync(target)).toEqual([]);
  });
});
