import { existsSync, rmSync, statSync, statfsSync } from 'node:fs';
import { request } from 'node:http';
import { freemem } from 'node:os';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { pngHeader } from './files';

export const USER = 'admin';
export const PASSWORD = 'admin';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/** A memory-backed folder Linux offers to every process. */
const SHARED_MEMORY = '/dev/shm';

/**
 * Where the bench's emulators keep what they receive. On this project's bench machine (ext4 on a
 * virtual disk), creating 5,000 small files took 8–16 times the system time it took in
 * `/dev/shm`, and more after idleness, so the bulk rows measured the disk and when each client
 * happened to start (bench/README.md, seventh round). Chosen when the folder and the machine's
 * free memory hold `neededBytes`.
 */
export function chooseEmulatorRoot(neededBytes: number): { dir: string | undefined; why: string } {
  if (!existsSync(SHARED_MEMORY)) return { dir: undefined, why: `disk (no ${SHARED_MEMORY})` };
  const fs = statfsSync(SHARED_MEMORY);
  const room = Math.min(fs.bavail * fs.bsize, freemem());
  if (room < neededBytes)
    return {
      dir: undefined,
      why: `disk (${SHARED_MEMORY} or free memory below ${Math.round(neededBytes / 2 ** 30)} GiB)`,
    };
  return { dir: SHARED_MEMORY, why: `memory (${SHARED_MEMORY})` };
}

let workRoot: string | undefined;
/** The folders of the emulators still open: removed by `removeOpenFolders` on Ctrl-C. */
const openFolders = new Set<string>();

/** The emulator (in the bench's parent process) with the arranging shortcuts the benchmarks need. */
export class BenchEmulator {
  private constructor(readonly running: RunningEmulator) {}

  /** Where emulators started from now on keep their files (undefined: the system's temp folder). */
  static useWorkRoot(dir: string | undefined): void {
    workRoot = dir;
  }

  static async start(processingDelayMs = 0): Promise<BenchEmulator> {
    const running = await startEmulator({ port: 0, processingDelayMs, workRoot, onError: () => undefined });
    openFolders.add(running.emulator.state.tempDir);
    return new BenchEmulator(running);
  }

  /**
   * Removes the open emulators' folders at once, for a bench stopped by a signal: in `/dev/shm`
   * they would hold memory until deleted (ninth round, bench/README.md).
   */
  static removeOpenFolders(): void {
    for (const dir of openFolders) rmSync(dir, { recursive: true, force: true });
    openFolders.clear();
  }

  get url(): string {
    return this.running.url;
  }

  /** One admin call; a fresh connection each time (a kept-alive socket may be closed by the server meanwhile). */
  api(method: string, path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return this.raw(method, path, payload, { 'Content-Type': 'application/json' });
  }

  /** One admin call with a body of bytes and the given headers; JSON answers are parsed. */
  raw(
    method: string,
    path: string,
    payload: Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.url}${path}`,
        {
          method,
          agent: false,
          headers: {
            Authorization: AUTH,
            ...headers,
            ...(payload ? { 'Content-Length': String(payload.length) } : {}),
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) reject(new Error(`${method} ${path}: ${status} ${text}`));
            else resolve(text ? (JSON.parse(text) as unknown) : undefined);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A task holding one small image (CVAT refuses to back up a task without data). Resolves once
   * the server has processed the data, which takes the emulator's processing delay.
   */
  async createTaskWithData(name: string): Promise<number> {
    const id = await this.createTask(name);
    const boundary = `bench-${id}-${Date.now()}`;
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="image_quality"\r\n\r\n70\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="client_files[0]"; filename="frame.png"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      ),
      pngHeader(64, 64),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const { rq_id } = (await this.raw('POST', `/api/tasks/${id}/data/`, body, {
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
    })) as { rq_id: string };
    await this.waitRequest(rq_id);
    return id;
  }

  async createTask(name: string): Promise<number> {
    const task = (await this.api('POST', '/api/tasks', { name, labels: [{ name: 'car' }] })) as {
      id: number;
    };
    return task.id;
  }

  /** 10,000 tasks in a blink: one made through the API, cloned in the emulator's state. */
  async createManyTasks(count: number): Promise<void> {
    const first = await this.createTask('list-0');
    const state = this.running.emulator.state;
    const template = state.tasks.get(first)!;
    for (let i = 1; i < count; i++) {
      const id = state.nextId('task');
      state.tasks.set(id, { ...structuredClone(template), id, name: `list-${i}` });
    }
  }

  /** Waits (on the state, without HTTP) for a server-side request to end; throws if it failed. */
  async waitRequest(rqId: string, timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rq = this.running.emulator.state.requests.get(rqId);
      if (rq?.status === 'finished') return;
      if (rq?.status === 'failed') throw new Error(`request ${rqId} failed: ${rq.message}`);
      if (Date.now() > deadline) throw new Error(`request ${rqId} did not finish`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Starts a task backup; resolves its rq_id once the zip is written. */
  async exportBackup(taskId: number): Promise<{ rqId: string; path: string; size: number }> {
    const { rq_id } = (await this.api('POST', `/api/tasks/${taskId}/backup/export`)) as { rq_id: string };
    await this.waitRequest(rq_id);
    const rq = this.running.emulator.state.requests.get(rq_id)!;
    return { rqId: rq_id, path: rq.result_file!, size: statSync(rq.result_file!).size };
  }

  /** Removes a task's stored media from disk (1 GiB runs would otherwise fill the disk). */
  dropTaskMedia(taskId: number): void {
    const task = this.running.emulator.state.tasks.get(taskId);
    for (const f of task?.data?.frames ?? []) rmSync(f.path, { force: true });
  }

  /** Removes finished requests' result files (exports, backups) and forgets those requests. */
  dropRequestResults(): void {
    const requests = this.running.emulator.state.requests;
    for (const [id, rq] of requests) {
      if (rq.status !== 'finished' && rq.status !== 'failed') continue;
      if (rq.result_file) rmSync(rq.result_file, { force: true });
      requests.delete(id);
    }
  }

  close(): Promise<void> {
    openFolders.delete(this.running.emulator.state.tempDir);
    return this.running.close();
  }
}

export const basicAuth = AUTH;
