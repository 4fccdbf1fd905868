import { lastValueFrom, toArray } from 'rxjs';
import { ApiError } from '../../src/errors';
import {
  downloadBlob,
  filenameFromContentDisposition,
  resolveDownloadUrl,
  sanitizeFilename,
} from '../../src/transfer/download';
import { FakeTransport } from './support/fake-transport';

describe('Content-Disposition file names', () => {
  it.each([
    ['attachment; filename="task_1_backup.zip"', 'task_1_backup.zip'],
    ['attachment; filename=plain.zip', 'plain.zip'],
    ['attachment; filename="fallback.zip"; filename*=UTF-8\'\'%E7%8C%AB.zip', '猫.zip'],
    ['attachment; filename="a\\"b.zip"', 'a_b.zip'],
    ['attachment; filename="../../etc/passwd"', 'passwd'],
    ['attachment; filename="/etc/shadow"', 'shadow'],
    ['attachment; filename="..\\\\..\\\\windows\\\\evil.dll"', 'evil.dll'],
    ['attachment; filename="nul\u0000byte.txt"', 'nulbyte.txt'],
    ['attachment; filename=".."', undefined],
    ['attachment; filename=".bashrc"', 'bashrc'],
    ["attachment; filename*=UTF-8''..%2F..%2Fx.zip", 'x.zip'],
    ['attachment; filename*=UTF-8\'\'%E0%A4%A; filename="ok.zip"', 'ok.zip'],
    ['attachment', undefined],
    ['inline; filename=""', undefined],
  ])('%j → %j', (header, expected) => {
    expect(filenameFromContentDisposition(header)).toBe(expected);
  });

  it('keeps names safe whatever the input', () => {
    for (const name of ['..', '.', '', '/', '\\', 'a/..', 'C:\\x\\..', '\u0000']) {
      const safe = sanitizeFilename(name);
      if (safe !== undefined) {
        expect(safe).not.toMatch(/[/\\\0]/);
        expect(safe === '..' || safe === '.').toBe(false);
      }
    }
  });
});

describe('resolveDownloadUrl', () => {
  it('moves a result_url on localhost onto the configured host', () => {
    expect(
      resolveDownloadUrl(
        'http://localhost:8080/api/tasks/1/backup/download?rq_id=a%26b',
        'https://cvat.example.com',
      ),
    ).toBe('https://cvat.example.com/api/tasks/1/backup/download?rq_id=a%26b');
  });
  it('keeps a URL already on the configured host and resolves relative ones', () => {
    expect(resolveDownloadUrl('https://cvat.example.com/x', 'https://cvat.example.com')).toBe(
      'https://cvat.example.com/x',
    );
    expect(resolveDownloadUrl('/api/x', 'https://cvat.example.com')).toBe('https://cvat.example.com/api/x');
    expect(resolveDownloadUrl('http://10.0.0.5/api/x', 'http://cvat.example.com:8080')).toBe(
      'http://cvat.example.com:8080/api/x',
    );
  });
});

describe('downloadBlob', () => {
  it('emits monotonic download progress, then the Blob with its sanitized name', async () => {
    const transport = new FakeTransport(() => ({
      status: 200,
      headers: {
        'Content-Type': 'application/zip',
        'Content-Disposition': 'attachment; filename="../b.zip"',
      },
      body: new TextEncoder().encode('zipdata'),
      download: [3, 2, 7],
    }));
    const events = await lastValueFrom(
      downloadBlob(transport, { method: 'GET', url: '/api/x' }).pipe(toArray()),
    );
    expect(transport.requests[0].request.responseType).toBe('arraybuffer');
    expect(events.slice(0, -1)).toEqual([
      { type: 'progress', phase: 'download', loaded: 3 },
      { type: 'progress', phase: 'download', loaded: 7 },
    ]);
    const last = events[events.length - 1];
    if (last.type !== 'result') throw new Error('no result');
    expect(last.value.filename).toBe('b.zip');
    expect(last.value.contentType).toBe('application/zip');
    expect(await last.value.blob.text()).toBe('zipdata');
  });

  it('raises ApiError on a non-2xx response', async () => {
    const transport = new FakeTransport(() => ({ status: 404, body: { detail: 'Not found' } }));
    await expect(
      lastValueFrom(downloadBlob(transport, { method: 'GET', url: '/api/x' })),
    ).rejects.toBeInstanceOf(ApiError);
  });
});
