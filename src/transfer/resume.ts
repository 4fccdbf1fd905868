/**
 * Uploads that survive the death of their process (`resume: { store }`). Neither CVAT's SDK nor
 * its web client can continue an upload after a crash or a page reload; CVAT's protocol allows
 * it: TUS uploads keep their URL and report their offset (`HEAD`), and bulk groups are safe to
 * resend. What a new process needs is written down as the upload goes, in a {@link ResumeStore}:
 *
 * - the task (for `createFromData`, so the same inputs find the task instead of making another);
 * - that `Upload-Start` was sent (sending it again would discard what the server holds);
 * - each bulk group the server took, by the identities of its files (skipped on resume);
 * - each TUS file's upload URL and last accepted offset (the server's `HEAD` has the last word).
 *
 * A record is keyed by the upload's kind and target and by every file's identity (path or name,
 * size, modification time), so a changed file never resumes an older upload. It is removed once
 * `Upload-Finish` is accepted. Browser-safe: the stores are `localStorage` here and a file store
 * in `cvat-rx/node`.
 */

/** What a new process needs to continue an upload. Plain JSON. */
export interface UploadRecord {
  readonly version: 1;
  /** The task the data goes to (`createFromData` records it right after creating the task). */
  readonly taskId?: number;
  /** `Upload-Start` was accepted: on resume it is not sent again. */
  readonly started?: boolean;
  /** Bulk groups the server took, each as the identities of its files joined by a newline. */
  readonly groups?: readonly string[];
  /** TUS uploads by file identity: the upload's URL and the last offset the server accepted. */
  readonly tus?: Readonly<
    Record<string, { readonly location: string; readonly filename: string; readonly offset: number }>
  >;
}

/** Where upload records live. Implementations must make `set` atomic: a crash leaves the old or the new record. */
export interface ResumeStore {
  get(key: string): Promise<UploadRecord | undefined>;
  set(key: string, record: UploadRecord): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The `resume` option of `createFromData` and `uploadData`. */
export interface ResumeOptions {
  readonly store: ResumeStore;
}

/** A file's identity for records: its own when its source knows one (path, size, mtime), else name and size. */
export function identityOf(source: {
  readonly name: string;
  readonly size: number;
  readonly identity?: string;
}): string {
  return source.identity ?? `name:${source.name}|${source.size}`;
}

/** The record key of an upload: its kind and target, and every file's identity (in input order). */
export function recordKey(scope: string, identities: readonly string[]): string {
  return `cvat-rx-upload:${scope}:${fnv1a(identities.join('\n'))}:${identities.length}`;
}

/** 64-bit FNV-1a as hex: a short, stable, browser-safe digest (not a security boundary). */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * The record of one upload in memory, written through to the store after each change. Writes
 * are serialized (one at a time, each with the latest state), so a slow store never sees an
 * older record after a newer one.
 */
export class ResumeState {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ResumeStore,
    readonly key: string,
    private current: UploadRecord,
  ) {}

  get record(): UploadRecord {
    return this.current;
  }

  /** Loads the record of `key`, or starts an empty one. A record the store cannot read counts as none. */
  static async open(store: ResumeStore, key: string): Promise<ResumeState> {
    const found = await store.get(key).catch(() => undefined);
    return new ResumeState(store, key, isRecord(found) ? found : { version: 1 });
  }

  update(change: (record: UploadRecord) => UploadRecord): Promise<void> {
    this.current = change(this.current);
    const snapshot = this.current;
    this.writing = this.writing.then(() => this.store.set(this.key, snapshot));
    return this.writing;
  }

  /** Removes the record once the upload is finished (after pending writes). */
  clear(): Promise<void> {
    this.writing = this.writing.then(() => this.store.delete(this.key));
    return this.writing;
  }
}

function isRecord(value: unknown): value is UploadRecord {
  return typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1;
}

/** The minimal `Storage` this store needs (`window.localStorage` has it). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * A store over `localStorage` (or any `Storage`), for browsers: a page reload resumes the upload
 * when the user picks the same files again. `setItem` replaces a value whole, so writes are atomic.
 */
export function localStorageStore(storage: StorageLike = globalThis.localStorage): ResumeStore {
  return {
    get: (key) => {
      const text = storage.getItem(key);
      if (text === null) return Promise.resolve(undefined);
      try {
        return Promise.resolve(JSON.parse(text) as UploadRecord);
      } catch {
        return Promise.resolve(undefined);
      }
    },
    set: (key, record) => Promise.resolve(storage.setItem(key, JSON.stringify(record))),
    delete: (key) => Promise.resolve(storage.removeItem(key)),
  };
}
