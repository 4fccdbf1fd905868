import { type Observable, map } from 'rxjs';
import { AcceptInvitationRead } from '../models';
import type {
  InvitationRead,
  MembershipRead,
  OrganizationRead,
  PatchedMembershipWriteRequest,
  PatchedOrganizationWriteRequest,
} from '../models';
import { listEntities, modelOperations, snapshotOf } from './base';
import type { Fetchable, Removable, Snapshot, Updatable } from './base';
import type { ClientContext } from './context';
import { invitations, memberships, organizations } from './descriptors';
import type { InvitationListQuery, MembershipListQuery } from './query';
import { itemUrl, removeData, requestDecoded, requestVoid, resourceRequest, retrieveData } from './resource';

/** An organization snapshot (`OrganizationRead`). */
export interface Organization
  extends
    Readonly<Omit<OrganizationRead, 'id'>>,
    Snapshot<OrganizationRead>,
    Fetchable<Organization>,
    Updatable<Organization, PatchedOrganizationWriteRequest>,
    Removable {
  /** The organization's memberships (`GET /api/memberships?org_id=`). */
  members(query?: MembershipListQuery): Observable<Membership>;
  /** The organization's invitations (`GET /api/invitations?org_id=`). */
  invitations(query?: InvitationListQuery): Observable<Invitation>;
}

/** A membership snapshot (`MembershipRead`): a user's role in an organization. */
export interface Membership
  extends
    Readonly<Omit<MembershipRead, 'id'>>,
    Snapshot<MembershipRead>,
    Fetchable<Membership>,
    Updatable<Membership, PatchedMembershipWriteRequest>,
    Removable {}

/** An invitation snapshot (`InvitationRead`), named by its `key`. */
export interface Invitation
  extends Readonly<InvitationRead>, Snapshot<InvitationRead, string>, Fetchable<Invitation>, Removable {
  /** Accepts it as the current user; emits the organization's slug. */
  accept(): Observable<AcceptInvitationRead>;
  /** Declines it as the current user. */
  decline(): Observable<void>;
  /** Sends the invitation e-mail again. */
  resend(): Observable<void>;
}

export function makeOrganization(ctx: ClientContext, model: OrganizationRead): Organization {
  const { id } = snapshotOf(organizations, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({
    ...fields,
    id,
    model,
    ...modelOperations(ctx, organizations, id, makeOrganization),
    members: (query: MembershipListQuery = {}) =>
      listEntities(ctx, memberships, makeMembership, query, { org_id: id }),
    invitations: (query: InvitationListQuery = {}) =>
      listEntities(ctx, invitations, makeInvitation, query, { org_id: id }),
  });
}

export function makeMembership(ctx: ClientContext, model: MembershipRead): Membership {
  const { id } = snapshotOf(memberships, model);
  const { id: _id, ...fields } = model;
  return Object.freeze({ ...fields, id, model, ...modelOperations(ctx, memberships, id, makeMembership) });
}

export function makeInvitation(ctx: ClientContext, model: InvitationRead): Invitation {
  const { id } = snapshotOf(invitations, model);
  // Answering an invitation happens outside any organization, as the invitee is not a member yet.
  const personal = { ...invitations, withoutOrganization: true };
  const action = (name: 'decline' | 'resend'): Observable<void> =>
    requestVoid(ctx, resourceRequest(personal, 'POST', `${itemUrl(invitations, id)}/${name}`, name));
  return Object.freeze({
    ...model,
    id,
    model,
    fetch: () => retrieveData(ctx, invitations, id).pipe(map((fresh) => makeInvitation(ctx, fresh))),
    remove: () => removeData(ctx, invitations, id),
    accept: () =>
      requestDecoded(
        ctx,
        resourceRequest(personal, 'POST', `${itemUrl(invitations, id)}/accept`, 'accept'),
        AcceptInvitationRead,
      ),
    decline: () => action('decline'),
    resend: () => action('resend'),
  });
}
