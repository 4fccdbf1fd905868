import { deflateSync, crc32 } from 'node:zlib';
import { startEmulator } from '../../src/emulator';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator';

/** A valid RGB PNG of the given size. */
export function png(width: number, height: number, shade = 0x80): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, shade)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A JPEG header (SOI, APP0, SOF0, EOI): enough for size detection. */
export function jpeg(width: number, height: number): Buffer {
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ]);
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

export function bmp(width: number, height: number): Buffer {
  const b = Buffer.alloc(54);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(54, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(-height, 22);
  return b;
}

export function gif(width: number, height: number): Buffer {
  const b = Buffer.alloc(13);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
  bytes: Buffer;
}

/** A plain-HTTP client for the emulator (no cvat-rx involved). */
export class Api {
  headers: Record<string, string>;

  constructor(
    readonly base: string,
    auth: Record<string, string> = {
      Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    },
  ) {
    this.headers = { ...auth };
  }

  async call(
    method: string,
    path: string,
    init: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(path.startsWith('http') ? path : this.base + path, { method, headers, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let parsed: unknown = undefined;
    if (text !== '' && /json/.test(res.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, body: parsed, bytes };
  }

  get(path: string, headers?: Record<string, string>): Promise<Reply> {
    return this.call('GET', path, { headers });
  }

  post(path: string, json?: unknown, headers?: Record<string, string>): Promise<Reply> {
    return this.call('POST', path, { json, headers });
  }

  patch(path: string, json?: unknown): Promise<Reply> {
    return this.call('PATCH', path, { json });
  }

  put(path: string, json?: unknown): Promise<Reply> {
    return this.call('PUT', path, { json });
  }

  delete(path: string): Promise<Reply> {
    return this.call('DELETE', path);
  }

  /** Polls the Requests API until the request ends. */
  async wait(rqId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 500; i++) {
      const r = await this.get(`/api/requests/${encodeURIComponent(rqId)}`);
      const body = r.body as Record<string, unknown>;
      if (body.status === 'finished' || body.status === 'failed') return body;
      await new Promise((res) => setTimeout(res, 5));
    }
    throw new Error(`request ${rqId} did not end`);
  }

  /** Creates a task and uploads images through one multipart request. */
  async taskWithImages(
    spec: Record<string, unknown>,
    images: Array<[string, Buffer]>,
    params: Record<string, string> = {},
  ): Promise<Record<string, unknown>> {
    const task = (await this.post('/api/tasks', spec)).body as { id: number };
    const form = new FormData();
    images.forEach(([name, data], i) =>
      form.append(`client_files[${i}]`, new Blob([new Uint8Array(data)]), name),
    );
    form.append('image_quality', '70');
    for (const [k, v] of Object.entries(params)) form.append(k, v);
    const r = await this.call('POST', `/api/tasks/${task.id}/data/`, { body: form });
    if (r.status !== 202) throw new Error(`data upload failed: ${r.status} ${r.text}`);
    const rq = await this.wait((r.body as { rq_id: string }).rq_id);
    if (rq.status !== 'finished') throw new Error(`processing failed: ${String(rq.message)}`);
    return (await this.get(`/api/tasks/${task.id}`)).body as Record<string, unknown>;
  }
}

export async function withEmulator(
  options: EmulatorOptions = {},
): Promise<{ emu: RunningEmulator; api: Api }> {
  const emu = await startEmulator({ processingDelayMs: 0, ...options });
  return { emu, api: new Api(emu.url) };
}

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => v as Obj;
export const results = (v: unknown): Obj[] => (v as { results: Obj[] }).results;
