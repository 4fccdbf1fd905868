import { closeSync, createWriteStream, openSync, writevSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { badRequest, detail } from '../errors';
import type { HttpError } from '../errors';

export interface MultipartResult {
  fields: Array<[string, string]>;
  files: Array<{
    field: string;
    filename: string;
    path: string;
    size: number;
    /** A small file's first bytes (HEAD_BYTES at most), copied: its type is told without a read. */
    head?: Buffer;
  }>;
}

/** What a small file keeps of its first bytes: enough for every image header but a JPEG's with EXIF. */
const HEAD_BYTES = 1024;

const CRLF2 = Buffer.from('\r\n\r\n');

export function boundaryOf(contentType: string | undefined): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2] ?? '').trim() : null;
}

export interface MultipartLimits {
  /** Most parts (files and fields) in one body. */
  maxParts: number;
  /** Most bytes of one non-file field (held in memory). */
  maxFieldBytes: number;
  /** Most bytes of all non-file fields together. */
  maxFieldsBytes: number;
  /** Most bytes of the whole body, files included. */
  maxBodyBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = {
  maxParts: 10_000,
  maxFieldBytes: 16 * 1024 * 1024,
  maxFieldsBytes: 32 * 1024 * 1024,
  maxBodyBytes: 26843545600,
};

/** Counts the bytes the parser copies or searches: a test can check the work is linear in the body. */
export interface ParseMeter {
  work: number;
}

/** Transport padding (spaces, tabs) allowed after a delimiter before its CRLF (RFC 2046). */
const MAX_PADDING = 1024;
const MAX_PART_HEADERS = 64 * 1024;

/**
 * File parts up to this size are held until they end and written in one go, in this thread: a
 * bulk upload of many small files would otherwise hand three calls per file (open, write, close)
 * to the thread pool, each costing more to hand over than to do (5,000 files of 64 KiB: the
 * emulator's CPU 1.5–3.4 s against 3.0–5.0 s, bench/README.md). Bigger parts are streamed to disk
 * as they arrive. Storage only: nothing the client sees changes
 * (Django likewise keeps small uploads in memory, MemoryFileUploadHandler, and larger ones in
 * temporary files).
 */
const SMALL_FILE = 1024 * 1024;
/** What a streamed part may hold in memory before the socket waits for the disk. */
const WRITE_BUFFER = 4 * 1024 * 1024;

/** A small file's pieces written as they are (views of the socket's chunks), not joined first. */
function writeParts(path: string, parts: readonly Buffer[]): void {
  const fd = openSync(path, 'w');
  try {
    let left = parts.filter((part) => part.length > 0);
    while (left.length > 0) {
      // A short write (rare for files): go on from the first byte not written.
      let written = writevSync(fd, left);
      const rest: Buffer[] = [];
      for (const part of left) {
        if (written >= part.length) written -= part.length;
        else {
          rest.push(written > 0 ? part.subarray(written) : part);
          written = 0;
        }
      }
      left = rest;
    }
  } finally {
    closeSync(fd);
  }
}

/** A copy of the first `count` bytes of `parts` (fewer if they hold fewer). */
function firstBytes(parts: readonly Buffer[], count: number): Buffer {
  const out: Buffer[] = [];
  let left = count;
  for (const part of parts) {
    if (left <= 0) break;
    out.push(part.subarray(0, left));
    left -= Math.min(left, part.length);
  }
  return Buffer.concat(out);
}

const tooLarge = (what: string): HttpError => detail(413, `Request body is too large: ${what}.`);

const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;
const NOT_PRINTABLE_BUT_SPACE = /(?! )[\p{C}\p{Z}]/u;

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
  // Python's str.isprintable: no control, format, private, unassigned or separator but ' '. Most
  // names have none; they skip the per-character filter.
  const printable = NOT_PRINTABLE_BUT_SPACE.test(base)
    ? [...base].filter((c) => c === ' ' || !NOT_PRINTABLE.test(c)).join('')
    : base;
  return printable === '' || printable === '.' || printable === '..' ? undefined : printable;
}

/** A name with a `..` segment: it is refused (by `placeFile`) rather than cut to its base name. */
const climbs = (name: string): boolean => name.split(/[\\/]/).includes('..');

/**
 * Streams a multipart/form-data body: file parts are written to disk chunk by chunk as they
 * arrive (never buffered whole), other fields are collected as strings.
 * `placeFile` says where a file part goes (or throws a 400).
 * Linear in the body: the held-back buffer is bounded in every state (a delimiter tail, part
 * headers up to 64 KiB, padding up to 1 KiB), so no byte is copied or searched more than a
 * bounded number of times. Limits answer 413.
 */
export async function parseMultipart(
  req: AsyncIterable<Buffer>,
  boundary: string,
  placeFile: (field: string, filename: string) => string,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
  meter: ParseMeter = { work: 0 },
): Promise<MultipartResult> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const result: MultipartResult = { fields: [], files: [] };
  // The first delimiter has no leading CRLF: pretend it had one.
  let buf: Buffer = Buffer.from('\r\n');
  let state: 'preamble' | 'after_delim' | 'headers' | 'body' | 'done' = 'preamble';
  let field = '';
  let file: {
    entry: MultipartResult['files'][number];
    /** The part so far, while it is small; undefined once it streams to disk. */
    held: Buffer[] | undefined;
    stream: WriteStream | undefined;
  } | null = null;
  let value: Buffer[] = [];
  let fileError: Error | undefined;
  let valueSize = 0;
  let fieldsSize = 0;
  let parts = 0;
  let bodySize = 0;
  // A file part whose name Django's parser discards is skipped whole, as Django does.
  let skipping = false;

  const find = (needle: Buffer | string, limit = buf.length): number => {
    meter.work += Math.min(limit, buf.length);
    const i = buf.subarray(0, limit).indexOf(needle);
    return i;
  };
  const emit = async (data: Buffer): Promise<void> => {
    if (data.length === 0 || skipping) return;
    if (file) {
      file.entry.size += data.length;
      if (file.held && file.entry.size <= SMALL_FILE) {
        file.held.push(data);
        return;
      }
      if (!file.stream) {
        // Grown past SMALL_FILE: stream the rest, after what was held.
        const stream = createWriteStream(file.entry.path, { highWaterMark: WRITE_BUFFER });
        stream.on('error', (e) => (fileError = e));
        file.stream = stream;
        for (const held of file.held ?? []) stream.write(held);
        file.held = undefined;
      }
      if (!file.stream.write(data)) await once(file.stream, 'drain');
    } else {
      valueSize += data.length;
      fieldsSize += data.length;
      if (valueSize > limits.maxFieldBytes)
        throw tooLarge(`form field "${field}" is over ${limits.maxFieldBytes} bytes`);
      if (fieldsSize > limits.maxFieldsBytes)
        throw tooLarge(`form fields are over ${limits.maxFieldsBytes} bytes`);
      meter.work += data.length;
      value.push(Buffer.from(data));
    }
  };
  const endPart = async (): Promise<void> => {
    if (skipping) {
      skipping = false;
    } else if (file) {
      const f = file;
      file = null;
      if (f.stream) {
        f.stream.end();
        if (!f.stream.closed) await once(f.stream, 'close');
      } else {
        f.entry.head = firstBytes(f.held ?? [], HEAD_BYTES);
        writeParts(f.entry.path, f.held ?? []);
      }
      if (fileError) throw fileError;
      result.files.push(f.entry);
    } else {
      result.fields.push([field, Buffer.concat(value).toString('utf8')]);
    }
    value = [];
    valueSize = 0;
  };

  try {
    for await (const chunk of req) {
      bodySize += chunk.length;
      if (bodySize > limits.maxBodyBytes) throw tooLarge(`over ${limits.maxBodyBytes} bytes`);
      if (
        state === 'body' &&
        buf.length > 0 &&
        buf.length < delimiter.length &&
        chunk.length >= delimiter.length
      ) {
        // The tail held back from the last chunk is shorter than a delimiter: unless a delimiter
        // starts in it, it is part data. Sent on, the new chunk is parsed where it is, not copied.
        const joint = Buffer.concat([buf, chunk.subarray(0, delimiter.length - 1)]);
        meter.work += joint.length;
        const at = joint.indexOf(delimiter);
        if (at < 0 || at >= buf.length) {
          await emit(buf);
          buf = chunk;
        } else {
          meter.work += buf.length + chunk.length;
          buf = Buffer.concat([buf, chunk]);
        }
      } else {
        meter.work += buf.length + chunk.length;
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      }
      for (;;) {
        if (state === 'preamble') {
          const i = find(delimiter);
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
          // Only padding may sit between a delimiter and its CRLF; anything else is malformed.
          const nl = find('\r\n', MAX_PADDING + 2);
          const end = nl < 0 ? Math.min(buf.length, MAX_PADDING + 2) : nl;
          for (let k = 0; k < end; k++)
            if (buf[k] !== 0x20 && buf[k] !== 0x09 && !(k === end - 1 && buf[k] === 0x0d && nl < 0))
              throw badRequest('Malformed multipart body: a boundary is not followed by a line break.');
          if (nl < 0) {
            if (buf.length > MAX_PADDING + 2)
              throw badRequest('Malformed multipart body: a boundary is not followed by a line break.');
            break;
          }
          buf = buf.subarray(nl + 2);
          parts += 1;
          if (parts > limits.maxParts) throw tooLarge(`more than ${limits.maxParts} parts`);
          state = 'headers';
        } else if (state === 'headers') {
          const end = find(CRLF2);
          if (end < 0) {
            if (buf.length > MAX_PART_HEADERS) throw badRequest('Multipart part headers are too large.');
            break;
          }
          const headers = buf.toString('utf8', 0, end);
          buf = buf.subarray(end + 4);
          const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
          field = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
          const rawName = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
          // Django keeps the base name; a name that climbs is refused here, stricter than Django.
          const filename = rawName === undefined || climbs(rawName) ? rawName : djangoFileName(rawName);
          if (rawName !== undefined && filename === undefined) skipping = true;
          if (filename !== undefined) {
            const path = placeFile(field, filename);
            file = { entry: { field, filename, path, size: 0 }, held: [], stream: undefined };
          }
          state = 'body';
        } else if (state === 'body') {
          const i = find(delimiter);
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
    const open = file as { stream: WriteStream | undefined } | null;
    open?.stream?.destroy();
  }
  if (fileError) throw fileError;
  if (state !== 'done') throw badRequest('Malformed multipart body: missing closing boundary.');
  return result;
}
