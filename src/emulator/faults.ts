import type { ServerResponse } from 'node:http';
import type { Ctx } from './context';

/** One fault-injection rule. A request is affected by every rule that matches it. */
export interface FaultRule {
  /** Request path to match: a RegExp, or a string where `*` matches within a segment and `**` anything. Absent: all. */
  path?: string | RegExp;
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Delay before the request is handled. */
  latencyMs?: number;
  /** Answer with this status instead of handling the request. */
  errorStatus?: number;
  /** Probability (0..1) that errorStatus applies; default 1. */
  errorRate?: number;
  /** Body of the injected error; default `{detail}`. */
  errorBody?: unknown;
  /** Retry-After seconds sent with an injected error (e.g. a 429 burst). */
  retryAfterSeconds?: number;
  /** Read this many bytes of the request body, then drop the connection. */
  dropRequestAfterBytes?: number;
  /** Send this many bytes of the response body, then drop the connection. */
  dropResponseAfterBytes?: number;
  /** Send the response body in chunks of this size... */
  slowBodyChunkBytes?: number;
  /** ...with this delay between them. */
  slowBodyDelayMs?: number;
  /** Only the next N matching requests are affected (a burst); unlimited when absent. */
  times?: number;
}

interface ActiveRule {
  rule: FaultRule;
  matcher: (method: string, path: string) => boolean;
  remaining: number;
}

function compile(rule: FaultRule): ActiveRule {
  let pathTest: (p: string) => boolean = () => true;
  const p = rule.path;
  if (p instanceof RegExp) pathTest = (x) => p.test(x);
  else if (typeof p === 'string') {
    const source = p
      .replace(/\/$/, '')
      .split(/(\*\*|\*)/)
      .map((part) =>
        part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    const re = new RegExp(`^${source}/?$`);
    pathTest = (x) => re.test(x);
  }
  const method = rule.method?.toUpperCase();
  return {
    rule,
    matcher: (m, x) => (method === undefined || method === m) && pathTest(x),
    remaining: rule.times ?? Number.POSITIVE_INFINITY,
  };
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Fault injection for reliability tests: latency, errors, 429 bursts, dropped connections, slow bodies. */
export class Faults {
  private rules: ActiveRule[] = [];

  constructor(
    rules: FaultRule[],
    private readonly random: () => number = Math.random,
  ) {
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map(compile);
  }

  /** Applies the matching rules; false when the request was answered or dropped. */
  async apply(ctx: Ctx): Promise<boolean> {
    const active = this.rules.filter((r) => r.remaining > 0 && r.matcher(ctx.method, ctx.path));
    for (const a of active) a.remaining -= 1;
    for (const { rule } of active) {
      if (rule.latencyMs) await sleep(rule.latencyMs);
      if (rule.dropRequestAfterBytes !== undefined) {
        await dropRequest(ctx, rule.dropRequestAfterBytes);
        return false;
      }
      if (rule.errorStatus !== undefined && this.random() < (rule.errorRate ?? 1)) {
        const headers: Record<string, string> = {};
        if (rule.retryAfterSeconds !== undefined) headers['Retry-After'] = String(rule.retryAfterSeconds);
        ctx.req.resume();
        ctx.json(
          rule.errorStatus,
          rule.errorBody ?? { detail: `Injected fault: HTTP ${rule.errorStatus}.` },
          headers,
        );
        return false;
      }
      if (rule.dropResponseAfterBytes !== undefined) truncateResponse(ctx.res, rule.dropResponseAfterBytes);
      if (rule.slowBodyChunkBytes !== undefined || rule.slowBodyDelayMs !== undefined) {
        slowResponse(ctx.res, rule.slowBodyChunkBytes ?? 1024, rule.slowBodyDelayMs ?? 10);
      }
    }
    return true;
  }
}

function dropRequest(ctx: Ctx, limit: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      ctx.req.socket.destroy();
      resolve();
    };
    if (limit <= 0) return done();
    ctx.req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= limit) done();
    });
    ctx.req.on('end', done);
    ctx.req.on('error', done);
  });
}

type Chunk = string | Uint8Array;
type WriteFn = (chunk: Chunk, cb?: () => void) => boolean;
type EndFn = (chunk?: Chunk | (() => void), cb?: () => void) => ServerResponse;

const toBuffer = (chunk: Chunk): Buffer =>
  typeof chunk === 'string'
    ? Buffer.from(chunk)
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

function truncateResponse(res: ServerResponse, limit: number): void {
  const write = res.write.bind(res) as WriteFn;
  const end = res.end.bind(res) as EndFn;
  let sent = 0;
  const pass = (chunk: Chunk | undefined): boolean => {
    if (chunk === undefined) return true;
    const buf = toBuffer(chunk);
    if (sent + buf.length < limit) {
      sent += buf.length;
      write(buf);
      return true;
    }
    write(buf.subarray(0, Math.max(0, limit - sent)), () => res.socket?.destroy());
    sent = limit;
    return false;
  };
  res.write = ((chunk: Chunk) => pass(chunk)) as typeof res.write;
  res.end = ((chunk?: Chunk | (() => void)) => {
    if (pass(typeof chunk === 'function' ? undefined : chunk)) end();
    return res;
  }) as typeof res.end;
}

function slowResponse(res: ServerResponse, chunkBytes: number, delayMs: number): void {
  const write = res.write.bind(res) as WriteFn;
  const end = res.end.bind(res) as EndFn;
  let queue = Promise.resolve();
  const enqueue = (chunk: Chunk | undefined): void => {
    if (chunk === undefined) return;
    const buf = toBuffer(chunk);
    for (let i = 0; i < buf.length; i += chunkBytes) {
      const part = buf.subarray(i, i + chunkBytes);
      queue = queue.then(async () => {
        if (res.destroyed) return;
        write(part);
        await sleep(delayMs);
      });
    }
  };
  res.write = ((chunk: Chunk) => {
    enqueue(chunk);
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: Chunk | (() => void)) => {
    enqueue(typeof chunk === 'function' ? undefined : chunk);
    queue = queue.then(() => {
      if (!res.destroyed) end();
    });
    return res;
  }) as typeof res.end;
}
