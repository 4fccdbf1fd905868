import { encodeForm, setWholeReader } from '../../src/transport/multipart';

async function encoded(form: FormData, boundary = 'B'): Promise<{ bytes: Buffer; pieces: number }> {
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

  it('reads a Blob whole through the reader registered for it', async () => {
    const file = new File([new Uint8Array(10)], 'a.bin');
    let reads = 0;
    setWholeReader(file, (target) => {
      reads += 1;
      target.fill(65);
      return Promise.resolve();
    });
    const form = new FormData();
    form.append('f0', file);
    const { bytes } = await encoded(form);
    expect(reads).toBe(1);
    expect(bytes.equals(expected([{ name: 'a.bin', bytes: new Uint8Array(10).fill(65) }]))).toBe(true);
  });

  it('puts files read out of order each in its own place', async () => {
    // Readers that finish last-first, as reads ahead on a busy disk may.
    const files = Array.from({ length: 40 }, (_, i) => ({
      name: `f${i}.bin`,
      bytes: new Uint8Array(20_000 + i).fill(i + 1),
    }));
    const form = new FormData();
    files.forEach(({ name, bytes }, i) => {
      const file = new File([new Uint8Array(bytes.byteLength)], name);
      setWholeReader(
        file,
        (target) =>
          new Promise((resolve) =>
            setTimeout(() => {
              target.set(bytes);
              resolve();
            }, 40 - i),
          ),
      );
      form.append(`f${i}`, file);
    });
    const { bytes } = await encoded(form);
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

  it('fails with the read error of a file read ahead', async () => {
    const form = new FormData();
    for (let i = 0; i < 5; i++) {
      const file = new File([new Uint8Array(10)], `${i}.bin`);
      if (i === 3) setWholeReader(file, () => Promise.reject(new Error('disk gone')));
      form.append(`f${i}`, file);
    }
    await expect(encoded(form)).rejects.toThrow('disk gone');
  });
});
