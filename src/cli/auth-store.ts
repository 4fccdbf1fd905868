import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors';
import type { Env } from './credentials';

/** A saved profile: a server and a personal access token for it (cvat-sdk's ProfileEntry). */
export interface ProfileEntry {
  readonly server: string;
  readonly token: string;
  readonly created_date: string;
}

interface StoreDocument {
  version: 1;
  profiles: Record<string, ProfileEntry>;
  default_profile?: string;
  default_server?: string;
}

/**
 * Where cvat-cli 2.x keeps profiles: cvat-sdk's `auth.json` in the user config folder of
 * platformdirs (app `cvat-sdk`, author `CVAT.ai`), so profiles made by either tool work in both.
 */
export function authStorePath(env: Env, platform: NodeJS.Platform = process.platform): string {
  const home = env['HOME'] || homedir();
  if (platform === 'win32')
    return join(env['LOCALAPPDATA'] || join(home, 'AppData', 'Local'), 'CVAT.ai', 'cvat-sdk', 'auth.json');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'cvat-sdk', 'auth.json');
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'cvat-sdk', 'auth.json');
}

const POSIX = process.platform !== 'win32';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isProfile(value: unknown): value is ProfileEntry {
  return isRecord(value) && typeof value['server'] === 'string' && typeof value['token'] === 'string';
}

/**
 * The profile store, read and written as cvat-sdk's AuthStore does: a missing file is empty,
 * permissions must be 0700 (folder) and 0600 (file) on POSIX, writes go through a temporary file.
 */
export class AuthStore {
  constructor(readonly path: string) {}

  private checkPermissions(): void {
    if (existsSync(this.path) && !statSync(this.path).isFile())
      throw new UsageError(`Auth store path ${this.path} must be a file.`);
    if (!POSIX) return;
    for (const [p, expected] of [
      [dirname(this.path), 0o700],
      [this.path, 0o600],
    ] as const) {
      if (!existsSync(p)) continue;
      const mode = statSync(p).mode & 0o777;
      if (mode !== expected)
        throw new UsageError(
          `Refusing to use ${this.path}: '${p}' has permissions 0o${mode.toString(8)}; expected 0o${expected.toString(8)}. ` +
            `Run: chmod ${expected.toString(8)} '${p}'`,
        );
    }
  }

  load(): StoreDocument {
    if (!existsSync(this.path)) return { version: 1, profiles: {} };
    this.checkPermissions();
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new UsageError(`Cannot read auth store ${this.path}`, { cause: error });
    }
    if (!isRecord(doc) || !('version' in doc))
      throw new UsageError(`Auth store ${this.path} is corrupt (missing 'version').`);
    if (doc['version'] !== 1)
      throw new UsageError(
        `Auth store ${this.path} has unsupported version ${JSON.stringify(doc['version'])}.`,
      );
    const profiles: Record<string, ProfileEntry> = {};
    if (isRecord(doc['profiles'])) {
      for (const [name, entry] of Object.entries(doc['profiles']))
        if (isProfile(entry)) profiles[name] = entry;
    }
    return {
      version: 1,
      profiles,
      ...(typeof doc['default_profile'] === 'string' ? { default_profile: doc['default_profile'] } : {}),
      ...(typeof doc['default_server'] === 'string' ? { default_server: doc['default_server'] } : {}),
    };
  }

  save(doc: StoreDocument): void {
    const directory = dirname(this.path);
    mkdirSync(directory, { recursive: true });
    if (POSIX) chmodSync(directory, 0o700);
    this.checkPermissions();
    const temp = join(directory, `.auth.${randomUUID()}.tmp`);
    try {
      writeFileSync(temp, JSON.stringify(doc, null, 2), { mode: 0o600, flag: 'wx' });
      renameSync(temp, this.path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    if (POSIX) chmodSync(this.path, 0o600);
  }

  update(change: (doc: StoreDocument) => void): void {
    const doc = this.load();
    change(doc);
    this.save(doc);
  }
}

/** `scheme://host[:port]` without a trailing slash; `localhost:8080` gets `http://`. */
export function normalizeServer(server: string): string {
  const trimmed = server.trim().replace(/\/+$/, '');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  try {
    const url = new URL(withScheme);
    return `${url.protocol}//${url.host}`;
  } catch {
    throw new UsageError(`Invalid server "${server}"`);
  }
}
