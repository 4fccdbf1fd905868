import type { CloudStorageRead, PatchedCloudStorageWriteRequest } from '../models';
import { modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { cloudStorages } from './descriptors';

/** A cloud storage snapshot (`CloudStorageRead`). */
export interface CloudStorage
  extends
    Readonly<Omit<CloudStorageRead, 'id'>>,
    Snapshot<CloudStorageRead>,
    Fetchable<CloudStorage>,
    Updatable<CloudStorage, PatchedCloudStorageWriteRequest>,
    Removable {}

export function makeCloudStorage(ctx: ClientContext, model: CloudStorageRead): CloudStorage {
  const { id } = snapshotOf(cloudStorages, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, cloudStorages, id, makeCloudStorage),
  });
}
