import type { BasicUser, MetaUser, PatchedUserRequest, User as UserModel } from '../models';
import { modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { users } from './descriptors';

/**
 * A user snapshot. CVAT answers with the full `User` to staff and to the user themselves, and with
 * a `BasicUser` (id, username, names) otherwise, so the other fields may be absent.
 */
export type User = Readonly<Omit<BasicUser, 'id'>> &
  Readonly<Partial<Omit<UserModel, 'id'>>> &
  Snapshot<MetaUser> &
  Fetchable<User> &
  Updatable<User, PatchedUserRequest> &
  Removable;

export function makeUser(ctx: ClientContext, model: MetaUser): User {
  const { id } = snapshotOf(users, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({ ...fields, id, model, ...modelOperations(ctx, users, id, makeUser) });
}
