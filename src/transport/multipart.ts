/**
 * FormData as `multipart/form-data`, with its exact length known before the first byte is sent
 * (so upload progress has a total and the server a Content-Length). Files are streamed from their
 * Blob, never copied whole. The encoding follows the HTML standard: names and filenames escape
 * `"`, CR and LF as `%22`, `%0D`, `%0A`.
 */
const encoder = new TextEncoder();

export interface EncodedForm {
  readonly contentType: string;
  readonly length: number;
  /** Streams the encoded form; may be called again for a retry. */
  chunks(): AsyncGenerator<Uint8Array>;
}

type Part = Uint8Array | Blob;

function escapeName(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function randomBoundary(): string {
  const bytes = new Uint8Array(12);
  const cryptoLike = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (cryptoLike?.getRandomValues) cryptoLike.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return `----cvat-rx-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function encodeForm(form: FormData, boundary: string = randomBoundary()): EncodedForm {
  const parts: Part[] = [];
  form.forEach((value, name) => {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
    if (typeof value === 'string') {
      parts.push(encoder.encode(`${head}\r\n\r\n`), encoder.encode(value), encoder.encode('\r\n'));
    } else {
      const filename = (value as Partial<File>).name ?? 'blob';
      head += `; filename="${escapeName(filename)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}`;
      parts.push(encoder.encode(`${head}\r\n\r\n`), value, encoder.encode('\r\n'));
    }
  });
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const length = parts.reduce(
    (sum, part) => sum + (part instanceof Uint8Array ? part.byteLength : part.size),
    0,
  );
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    async *chunks() {
      for (const part of parts) {
        if (part instanceof Uint8Array) yield part;
        else yield* blobChunks(part);
      }
    },
  };
}

/** The bytes of a Blob, chunk by chunk. */
export async function* blobChunks(blob: Blob): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      if (value) yield value;
    }
  } finally {
    // Stopped early (cancelled request): let the Blob's stream go.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
