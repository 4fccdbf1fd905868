import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ctx } from '../context';
import { badRequest, HttpError } from '../errors';
import { EmptyError } from '../plain';
import type { Json, JsonObject } from '../model';
import type { RequestRec } from '../model';
import { parseJson } from '../body';
import { boundaryOf, parseMultipart } from './multipart';
import { resolveUnder } from '../safe-path';

/** A file received by an upload, in arrival order. */
export interface UploadedFile {
  name: string;
  path: string;
  /** The file's first bytes, when the upload kept them (multipart.ts): no read to tell its type. */
  head?: Buffer;
}

interface TusFile {
  id: string;
  name: string;
  path: string;
  length: number;
  offset: number;
  busy: boolean;
}

export interface UploadSession {
  dir: string;
  files: Map<string, UploadedFile>;
  tus: Map<string, TusFile>;
}

export interface UploadTarget {
  /** Identifies the upload session (one per object and kind of upload, and per user for restores). */
  key: string;
  /** Backup restores get a server-chosen file name, echoed in Upload-Filename. */
  uniqueNames?: boolean;
  /** Starts the server-side request once the files are there. */
  finish(ctx: Ctx, files: UploadedFile[], params: JsonObject): Promise<RequestRec> | RequestRec;
}

export const TUS_MAX_SIZE = 26843545600;

const TUS_HEADERS = {
  'Tus-Resumable': '1.0.0',
  'Tus-Version': '1.0.0',
  'Tus-Extension': '',
  'Tus-Max-Size': String(TUS_MAX_SIZE),
  'Cache-Control': 'no-store',
};

export class Uploads {
  private readonly sessions = new Map<string, UploadSession>();
  private counter = 0;

  constructor(private readonly tempDir: string) {}

  session(key: string, reset = false): UploadSession {
    let s = this.sessions.get(key);
    if (s && reset) {
      rmSync(s.dir, { recursive: true, force: true });
      s = undefined;
    }
    if (!s) {
      const dir = join(this.tempDir, 'uploads', `${++this.counter}`);
      mkdirSync(dir, { recursive: true });
      s = { dir, files: new Map(), tus: new Map() };
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Hands the session's files over to a request (the directory now belongs to it). */
  take(key: string): UploadSession {
    const s = this.session(key);
    this.sessions.delete(key);
    return s;
  }

  tusFile(key: string, id: string): TusFile {
    const f = this.sessions.get(key)?.tus.get(id);
    // UploadMixin.append_tus_chunk: TUS chunk errors have no body.
    if (!f) throw new EmptyError(404, TUS_HEADERS);
    return f;
  }

  /** The POST of an upload endpoint, dispatched on CVAT's Upload-* headers. */
  async post(ctx: Ctx, target: UploadTarget): Promise<void> {
    const h = (n: string): boolean => ctx.header(n) !== undefined;
    if (h('upload-length')) return this.tusCreate(ctx, target);
    const start = h('upload-start');
    const finish = h('upload-finish');
    if (h('upload-multiple')) {
      const session = this.session(target.key);
      await this.receiveBody(ctx, session);
      return ctx.empty(200);
    }
    if (start && !finish) {
      const session = this.session(target.key, true);
      await this.receiveBody(ctx, session);
      // UploadMixin.upload_started: a 202 without a body.
      return ctx.empty(202);
    }
    // Upload-Finish, or a single request with everything (CVAT's backward-compatible path).
    const session = this.session(target.key, start || !finish);
    const params = await this.receiveBody(ctx, session);
    for (const [k, v] of ctx.query) if (params[k] === undefined) params[k] = v;
    const taken = this.take(target.key);
    const rq = await target.finish(ctx, [...taken.files.values()], params);
    ctx.json(202, { rq_id: rq.id });
  }

  /** Reads a JSON or multipart body; files go to the session directory. Returns the other fields. */
  private async receiveBody(ctx: Ctx, session: UploadSession): Promise<JsonObject> {
    const type = ctx.header('content-type') ?? '';
    if (/^multipart\/form-data/i.test(type)) {
      const boundary = boundaryOf(type);
      if (!boundary) throw badRequest('Multipart form parse error - Invalid boundary in multipart: None');
      // Each folder made once per body: a bulk upload's thousands of files share one or a few.
      const folders = new Set<string>();
      const parsed = await parseMultipart(ctx.req, boundary, (_field, filename) => {
        const path = resolveUnder(session.dir, filename);
        const folder = dirname(path);
        if (!folders.has(folder)) {
          mkdirSync(folder, { recursive: true });
          folders.add(folder);
        }
        return path;
      });
      for (const f of parsed.files)
        session.files.set(f.filename, { name: f.filename, path: f.path, head: f.head });
      return formParams(parsed.fields);
    }
    if (/^application\/x-www-form-urlencoded/i.test(type)) {
      return formParams([...new URLSearchParams((await ctx.readBody()).toString('utf8'))]);
    }
    const body = parseJson((await ctx.readBody()).toString('utf8'));
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('Invalid data. Expected a dictionary.');
    return body as JsonObject;
  }

  private tusCreate(ctx: Ctx, target: UploadTarget): void {
    ctx.req.resume();
    const length = Number(ctx.header('upload-length'));
    // UploadMixin.init_tus_upload answers its errors as bare JSON strings.
    if (!Number.isInteger(length) || length < 0)
      throw new HttpError(400, 'Upload-Length header is invalid.', TUS_HEADERS);
    if (length > TUS_MAX_SIZE)
      throw new HttpError(413, `File size exceeds max limit of ${TUS_MAX_SIZE} bytes`, TUS_HEADERS);
    const meta = parseMetadata(ctx.header('upload-metadata') ?? '');
    let filename = meta.get('filename');
    if (!filename) throw new HttpError(400, "Metadata is expected to contain 'filename' key", TUS_HEADERS);
    const session = this.session(target.key);
    if (target.uniqueNames) filename = `cvat-backup-${randomUUID()}.zip`;
    const path = resolveUnder(session.dir, filename);
    if ([...session.tus.values()].some((f) => f.name === filename) || session.files.has(filename)) {
      throw new HttpError(409, 'File with same name already exists', TUS_HEADERS);
    }
    mkdirSync(dirname(path), { recursive: true });
    // Synchronously, so that a quick first PATCH cannot race with (and be truncated by) the creation.
    closeSync(openSync(path, 'w'));
    const id = randomUUID();
    session.tus.set(id, { id, name: filename, path, length, offset: 0, busy: false });
    if (length === 0) session.files.set(filename, { name: filename, path });
    // CVAT builds Location from X-Forwarded-Host, else from Origin + the request path.
    const origin = ctx.header('x-forwarded-host') ? ctx.base : (ctx.header('origin') ?? ctx.base);
    const path0 = ctx.path.endsWith('/') ? ctx.path : `${ctx.path}/`;
    ctx.empty(201, { ...TUS_HEADERS, Location: `${origin}${path0}${id}`, 'Upload-Filename': filename });
  }

  tusHead(ctx: Ctx, key: string): void {
    const f = this.tusFile(key, ctx.params.file ?? '');
    ctx.empty(200, { ...TUS_HEADERS, 'Upload-Offset': f.offset, 'Upload-Length': f.length });
  }

  /** Appends one chunk, streamed straight from the socket to the file at the current offset. */
  async tusPatch(ctx: Ctx, key: string): Promise<void> {
    const f = this.tusFile(key, ctx.params.file ?? '');
    const offset = Number(ctx.header('upload-offset'));
    if (!Number.isInteger(offset) || offset !== f.offset || f.busy) throw new EmptyError(409, TUS_HEADERS);
    const declared = ctx.header('content-length');
    if (declared !== undefined && offset + Number(declared) > f.length)
      throw new EmptyError(413, TUS_HEADERS);
    f.busy = true;
    // Written in this thread as the chunks arrive: a page-cache write costs less than handing it
    // to the thread pool (bench/README.md, fourth round).
    let writeError: Error | undefined;
    let written = 0;
    let tooLarge = false;
    const write = (fd: number, chunk: Buffer): void => {
      for (let done = 0; done < chunk.length;)
        done += writeSync(fd, chunk, done, chunk.length - done, offset + written + done);
    };
    let fd: number | undefined;
    try {
      fd = openSync(f.path, 'r+');
      for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
        if (offset + written + chunk.length > f.length) {
          tooLarge = true;
          break;
        }
        try {
          write(fd, chunk);
        } catch (error) {
          writeError = error instanceof Error ? error : new Error(String(error));
          break;
        }
        written += chunk.length;
      }
    } catch (error) {
      // The client went away: keep what arrived, the next HEAD reports it.
      if (fd === undefined) writeError = error instanceof Error ? error : new Error(String(error));
    } finally {
      if (fd !== undefined) closeSync(fd);
      f.offset = writeError ? offset : offset + written;
      f.busy = false;
    }
    if (writeError) throw writeError;
    if (tooLarge) throw new EmptyError(413, TUS_HEADERS);
    if (f.offset === f.length) {
      const session = [...this.sessions.values()].find((s) => s.tus.get(f.id) === f);
      session?.files.set(f.name, { name: f.name, path: f.path });
    }
    ctx.empty(204, { ...TUS_HEADERS, 'Upload-Offset': f.offset, 'Upload-Filename': f.name });
  }
}

function parseMetadata(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of raw.split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (key) out.set(key, value ? Buffer.from(value, 'base64').toString('utf8') : '');
  }
  return out;
}

/** Form fields to params: `a[0]`, `a[]` and repeated names become lists; JSON-looking values are parsed. */
export function formParams(fields: Array<[string, string]>): JsonObject {
  const out: JsonObject = {};
  const lists = new Set<string>();
  for (const [rawName, value] of fields) {
    const m = /^(.*?)\[\d*\]$/.exec(rawName);
    const name = m ? (m[1] ?? rawName) : rawName;
    if (m || out[name] !== undefined) {
      const prev = out[name];
      const arr: Json[] = Array.isArray(prev) ? prev : prev === undefined ? [] : [prev];
      arr.push(value);
      out[name] = arr;
      lists.add(name);
    } else {
      out[name] = value;
    }
  }
  return out;
}
