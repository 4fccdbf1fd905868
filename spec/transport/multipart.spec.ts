import { UsageError } from '../../src/errors';
import { MultipartBody, WHOLE_READ_LIMIT, encodeForm } from '../../src/transport/multipart';
import type { WholeFileReader } from '../../src/transport/multipart';

async function encoded(
  form: FormData | MultipartBody,
  boundary = 'B',
): Promise<{ bytes: Buffer; pieces: number }> {
  const encodedForm = encodeForm(form, boundary);
  const parts: Buffer[] = [];
  for await (const chunk of encodedForm.chunks()) parts.push(Buffer.from(chunk));
  const bytes = Buffer.concat(parts);
  expect(bytes.length).toBe(encodedForm.length);
  return { bytes, pieces: parts.length };
}

/** The multipart encoding of files, written out by hand. */
function expected(files: ReadonlyArray<{ name: string; bytes: Uint8Array }>, boundary = 'B'): Buffer {
  return Buffer.concat([
    ...files.flatMap(({ name, bytes }, i) => [
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"; filename="${name}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      Buffer.from(bytes),
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
}

describe('encodeForm', () => {
  it('sends many small files in order, in a few pieces, and big ones streamed between them', async () => {
    const files = Array.from({ length: 300 }, (_, i) => ({
      name: `img_${i}.png`,
      bytes: new Uint8Array(3000 + i).fill(i % 251),
    }));
    // A file bigger than those read ahead, in the middle.
    files.splice(150, 0, { name: 'big.bin', bytes: new Uint8Array(3 * 1024 * 1024).fill(7) });
    const form = new FormData();
    files.forEach(({ name, bytes }, i) => form.append(`f${i}`, new Blob([bytes]), name));
    const { bytes, pieces } = await encoded(form);
    expect(bytes.equals(expected(files))).toBe(true);
    // ~1 MiB of small parts in pieces of ~256 KiB, plus the big file's own chunks: not 3 per file.
    expect(pieces).toBeLessThan(100);
  });

  it('reads a file read whole through its reader, once, straight into the piece sent', async () => {
    let reads = 0;
    const reader: WholeFileReader = {
      size: 10,
      readInto: (target) => {
        reads += 1;
        target.fill(65);
      },
    };
    const { bytes } = await encoded(new MultipartBody([{ name: 'f0', filename: 'a.bin', content: reader }]));
    expect(reads).toBe(1);
    expect(bytes.equals(expected([{ name: 'a.bin', bytes: new Uint8Array(10).fill(65) }]))).toBe(true);
  });

  it('encodes fields, readers and Blobs under the names given, as FormData would', async () => {
    const blob = new File([new Uint8Array([1, 2, 3])], 'other-name.bin', { type: 'image/png' });
    const body = new MultipartBody([
      { name: 'image_quality', value: '70' },
      {
        name: 'f0',
        filename: 'cats/a.jpg',
        type: 'image/jpeg',
        content: { size: 2, readInto: (t) => t.set([9, 9]) },
      },
      { name: 'f1', filename: 'b"\r\n.png', content: blob },
    ]);
    const form = new FormData();
    form.append('image_quality', '70');
    form.append('f0', new Blob([new Uint8Array([9, 9])], { type: 'image/jpeg' }), 'cats/a.jpg');
    form.append('f1', blob, 'b"\r\n.png');
    expect((await encoded(body)).bytes.equals((await encoded(form)).bytes)).toBe(true);
    expect((await encoded(body)).bytes.toString('latin1')).toContain(
      'name="f1"; filename="b%22%0D%0A.png"\r\nContent-Type: image/png\r\n\r\n\x01\x02\x03\r\n',
    );
  });

  it('becomes the same FormData for a browser, files read whole as Blobs', async () => {
    const body = new MultipartBody([
      { name: 'q', value: '1' },
      { name: 'f0', filename: 'a.bin', content: { size: 3, readInto: (t) => t.set([1, 2, 3]) } },
      { name: 'f1', filename: 'b.bin', type: 'image/png', content: new Blob(['xy']) },
    ]);
    const form = await body.toFormData();
    expect([...form.keys()]).toEqual(['q', 'f0', 'f1']);
    expect(form.get('q')).toBe('1');
    const a = form.get('f0') as File;
    expect(a.name).toBe('a.bin');
    expect([...new Uint8Array(await a.arrayBuffer())]).toEqual([1, 2, 3]);
    const b = form.get('f1') as File;
    expect(b.name).toBe('b.bin');
    expect(b.type).toBe('image/png');
    expect(await b.text()).toBe('xy');
  });

  it.each([WHOLE_READ_LIMIT + 1, -1, 1.5])('refuses a file read whole of %p bytes', (size) => {
    const content: WholeFileReader = { size, readInto: () => undefined };
    expect(() => new MultipartBody([{ name: 'f', filename: 'a', content }])).toThrow(UsageError);
  });

  it('puts files read out of order each in its own place', async () => {
    // Readers that finish last-first, as reads ahead on a busy disk may.
    const files = Array.from({ length: 40 }, (_, i) => ({
      name: `f${i}.bin`,
      bytes: new Uint8Array(20_000 + i).fill(i + 1),
    }));
    const body = new MultipartBody(
      files.map(({ name, bytes }, i) => ({
        name: `f${i}`,
        filename: name,
        content: {
          size: bytes.byteLength,
          readInto: (target: Uint8Array) =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                target.set(bytes);
                resolve();
              }, 40 - i),
            ),
        },
      })),
    );
    const { bytes } = await encoded(body);
    expect(bytes.equals(expected(files))).toBe(true);
  });

  it('fails when a Blob read whole has another size than announced', async () => {
    class Shrunk extends File {
      override arrayBuffer(): Promise<ArrayBuffer> {
        return Promise.resolve(new ArrayBuffer(9));
      }
    }
    const form = new FormData();
    form.append('f0', new Shrunk([new Uint8Array(10)], 'a.bin'));
    await expect(encoded(form)).rejects.toThrow(/changed size/);
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('disk gone'))],
    [
      'throws',
      () => {
        throw new Error('disk gone');
      },
    ],
  ])('fails with the read error of a file read ahead (the reader %s)', async (_how, readInto) => {
    const body = new MultipartBody(
      Array.from({ length: 5 }, (_, i) => ({
        name: `f${i}`,
        filename: `${i}.bin`,
        content: i === 3 ? { size: 10, readInto } : new Blob([new Uint8Array(10)]),
      })),
    );
    await expect(encoded(body)).rejects.toThrow('disk gone');
  });
});
