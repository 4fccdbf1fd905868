import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Emulator } from '../server';

export const PROVIDERS = ['AWS_S3_BUCKET', 'AZURE_CONTAINER', 'GOOGLE_CLOUD_STORAGE'] as const;
export const CREDENTIALS = [
  'KEY_SECRET_KEY_PAIR',
  'ACCOUNT_NAME_TOKEN_PAIR',
  'KEY_FILE_PATH',
  'ANONYMOUS_ACCESS',
  'CONNECTION_STRING',
] as const;

export interface CloudStorageRec {
  id: number;
  provider_type: (typeof PROVIDERS)[number];
  resource: string;
  display_name: string;
  credentials_type: (typeof CREDENTIALS)[number];
  /** Never sent back, as CVAT keeps credentials write-only. */
  credentials: Record<string, string>;
  specific_attributes: string;
  description: string;
  manifests: string[];
  owner_id: number;
  org_id: number | null;
  created_date: string;
  updated_date: string;
}

/** The cloud storages of one emulator and the folder their buckets live in. */
export class CloudStore {
  readonly storages = new Map<number, CloudStorageRec>();
  private lastId = 0;

  constructor(readonly root: string) {}

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }
}

const stores = new WeakMap<Emulator, CloudStore>();

/**
 * The cloud storages of an emulator. Buckets are folders of `options.cloudStorageDir` (a bucket
 * named `images` is `<dir>/images`), or of a temporary folder removed with the emulator.
 */
export function cloudStore(emu: Emulator): CloudStore {
  let store = stores.get(emu);
  if (!store) {
    const root = emu.options.cloudStorageDir ?? join(emu.state.tempDir, 'cloud');
    mkdirSync(root, { recursive: true });
    store = new CloudStore(root);
    stores.set(emu, store);
  }
  return store;
}
