import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { badRequest } from '../errors';

export interface MultipartResult {
  fields: Array<[string, string]>;
  files: Array<{ field: string; filename: string; path: string; size: number }>;
}

const CRLF2 = Buffer.from('\r\n\r\n');

export function boundaryOf(contentType: string | undefined): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2] ?? '').trim() : null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The name Django's MultiPartParser.sanitize_file_name keeps of an uploaded file: HTML entities
 * decoded, only the part after the last `/` or `\\`, non-printable characters dropped; nothing
 * (the part is skipped) for '', '.' and '..'. CVAT stores uploads under this name, so clients that
 * send a full path (cvat-sdk does) get the base name.
 */
export function djangoFileName(raw: string): string | undefined {
  const decoded = raw.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e.startsWith('#')) {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
  const base = decoded.slice(Math.max(decoded.lastIndexOf('/'), decoded.lastIndexOf('\\')) + 1);
  // Python's str.isprintable: no control, format, private, unassigned or separator but ' '.
  const printable = [...base].filter((c) => c === ' ' || !/[\p{C}\p{Z}]/u.test(c)).join('');
  return printable === '' || printable === '.' || printable === '..' ? undefined : printable;
}

/**
 * Streams a multipart/form-data body: file parts are written to disk chunk by chunk as they
 * arrive (never buffered whole), other fields are collected as strings.
 * `placeFile` says where a file part goes (or throws a 400).
 */
export async function parseMultipart(
  req: IncomingMessage,
  boundary: string,
  placeFile: (field: string, filename: string) => string,
): Promise<MultipartResult> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const result: MultipartResult = { fields: [], files: [] };
  // The first delimiter has no leading CRLF: pretend it had one.
  let buf: Buffer = Buffer.from('\r\n');
  let state: 'preamble' | 'after_delim' | 'headers' | 'body' | 'done' = 'preamble';
  let field = '';
  let file: { stream: WriteStream; entry: MultipartResult['files'][number] } | null = null;
  let value: Buffer[] = [];
  let fileError: Error | undefined;
  let valueSize = 0;
  // A file part whose name Django's parser discards is skipped whole, as Django does.
  let skipping = false;

  const emit = async (data: Buffer): Promise<void> => {
    if (data.length === 0 || skipping) return;
    if (file) {
      file.entry.size += data.length;
      if (!file.stream.write(data)) await once(file.stream, 'drain');
    } else {
      valueSize += data.length;
      if (valueSize > 16 * 1024 * 1024) throw badRequest({ [field]: 'Form field is too large.' });
      value.push(Buffer.from(data));
    }
  };
  const endPart = async (): Promise<void> => {
    if (skipping) {
      skipping = false;
    } else if (file) {
      const f = file;
      file = null;
      f.stream.end();
      if (!f.stream.closed) await once(f.stream, 'close');
      if (fileError) throw fileError;
      result.files.push(f.entry);
    } else {
      result.fields.push([field, Buffer.concat(value).toString('utf8')]);
    }
    value = [];
    valueSize = 0;
  };

  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (state === 'preamble') {
          const i = buf.indexOf(delimiter);
          if (i < 0) {
            buf = buf.subarray(Math.max(0, buf.length - delimiter.length));
            break;
          }
          buf = buf.subarray(i + delimiter.length);
          state = 'after_delim';
        } else if (state === 'after_delim') {
          if (buf.length < 2) break;
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            state = 'done';
            buf = Buffer.alloc(0);
            break;
          }
          const nl = buf.indexOf('\r\n');
          if (nl < 0) break;
          buf = buf.subarray(nl + 2);
          state = 'headers';
        } else if (state === 'headers') {
          const end = buf.indexOf(CRLF2);
          if (end < 0) {
            if (buf.length > 64 * 1024) throw badRequest('Multipart part headers are too large.');
            break;
          }
          const headers = buf.toString('utf8', 0, end);
          buf = buf.subarray(end + 4);
          const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
          field = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
          const rawName = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
          const filename = rawName === undefined ? undefined : djangoFileName(rawName);
          if (rawName !== undefined && filename === undefined) skipping = true;
          if (filename !== undefined) {
            const path = placeFile(field, filename);
            const stream = createWriteStream(path);
            stream.on('error', (e) => (fileError = e));
            file = { stream, entry: { field, filename, path, size: 0 } };
          }
          state = 'body';
        } else if (state === 'body') {
          const i = buf.indexOf(delimiter);
          if (i < 0) {
            // Keep a tail that could be the start of a delimiter split across chunks.
            const safe = buf.length - delimiter.length + 1;
            if (safe > 0) {
              await emit(buf.subarray(0, safe));
              buf = buf.subarray(safe);
            }
            break;
          }
          await emit(buf.subarray(0, i));
          await endPart();
          buf = buf.subarray(i + delimiter.length);
          state = 'after_delim';
        } else {
          buf = Buffer.alloc(0);
          break;
        }
      }
    }
  } finally {
    const open = file as { stream: WriteStream } | null;
    if (open) open.stream.destroy();
  }
  if (state !== 'done') throw badRequest('Malformed multipart body: missing closing boundary.');
  return result;
}
