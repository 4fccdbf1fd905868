import { AsyncResource, createHook } from 'node:async_hooks';
import type { AsyncHook } from 'node:async_hooks';
import http, { globalAgent } from 'node:http';
import net from 'node:net';
import { reusedBufferAgent } from '../../src/transport/http-agent';

/** Resource types that keep a process alive or hold something open (timers, sockets, files). */
const WATCHED = new Set([
  'Timeout',
  'Immediate',
  'TCPWRAP',
  'TCPCONNECTWRAP',
  'PIPEWRAP',
  'FILEHANDLE',
  'FSREQCALLBACK',
  'FSREQPROMISE',
  'FSEVENTWRAP',
  'STATWATCHER',
  'TLSWRAP',
  'GETADDRINFOREQWRAP',
  'SHUTDOWNWRAP',
  'WRITEWRAP',
]);

interface Live {
  readonly type: string;
  readonly resource: object;
}

/**
 * Tracks the async resources an operation creates, and what they create in turn (by
 * triggerAsyncId), apart from everything else in the process (an in-process server's own
 * sockets and timers are triggered by its listening handle, not by the client). `leftovers()`
 * names the timers, sockets and file handles still alive; idle keep-alive sockets that
 * Node's global agent or cvat-rx's own `http:` agent pool for reuse are not counted as leaks.
 */
export class ResourceTracker {
  private readonly family = new Set<number>();
  private readonly live = new Map<number, Live>();
  private readonly hook: AsyncHook;

  constructor() {
    this.hook = createHook({
      init: (id, type, trigger, resource) => {
        if (!this.family.has(trigger)) return;
        this.family.add(id);
        if (WATCHED.has(type)) this.live.set(id, { type, resource });
      },
      destroy: (id) => {
        this.live.delete(id);
      },
    });
  }

  /** Runs `fn` as the root of the tracked family. */
  run<T>(fn: () => T): T {
    const root = new AsyncResource('cvat-rx-hygiene');
    this.family.add(root.asyncId());
    this.hook.enable();
    return root.runInAsyncScope(fn);
  }

  /**
   * What is still alive, as `TYPE` strings. Idle keep-alive sockets pooled by an agent are
   * reusable by design, not leaks: they are closed first (sockets in use are left alone).
   */
  async leftovers(): Promise<string[]> {
    for (const agent of [globalAgent, reusedBufferAgent(http, net)]) {
      for (const sockets of Object.values(agent.freeSockets)) {
        for (const socket of sockets ?? []) socket.destroy();
      }
    }
    await settle(4);
    return [...this.live.values()]
      .filter(({ type, resource }) => !(type === 'Timeout' && isDone(resource)))
      .map(({ type }) => type);
  }

  /** Details of what is alive, for debugging a failure. */
  describe(): string[] {
    return [...this.live.values()].map(({ type, resource }) => {
      const r = resource as Record<string, unknown>;
      if (type === 'Timeout')
        return `Timeout ${String(r['_idleTimeout'])}ms ${String(r['_onTimeout']).slice(0, 300)}`;
      return `${type} ${Object.keys(r).join(',')}`;
    });
  }

  stop(): void {
    this.hook.disable();
  }
}

/** A timer that already ran or was cleared (its destroy hook may come later, at GC or next tick). */
function isDone(resource: object): boolean {
  const timer = resource as { _destroyed?: boolean; _idleTimeout?: number };
  return timer._destroyed === true || timer._idleTimeout === -1;
}

/** Lets pending callbacks, socket closes and destroy hooks run (bounded: a few event-loop turns). */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
}
