import { randomKey } from '../auth';
import { asObject, optEnum, optString, reqString } from '../body';
import type { Ctx } from '../context';
import { badRequest, forbidden, notFound } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { InvitationRec, MembershipRec, OrgRec, Role } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import { Serializer } from '../serialize';
import { actorIn, mayChangeMembership, mayViewMembership, membershipListed } from '../iam';
import { deleteProject } from './projects';
import { deleteTask } from './tasks';

const ROLES = ['worker', 'supervisor', 'maintainer', 'owner'] as const;

function visibleOrg(ctx: Ctx, o: OrgRec): boolean {
  const me = ctx.requireUser();
  return me.is_superuser || o.owner_id === me.id || ctx.emu.state.membershipOf(me.id, o.id) !== undefined;
}

/** 404 when missing, 403 when the user is neither its owner nor a member (organizations.rego). */
function getOrg(ctx: Ctx, id: number): OrgRec {
  const o = ctx.emu.state.orgs.get(id);
  if (!o) throw notFound();
  if (!visibleOrg(ctx, o)) throw forbidden();
  return o;
}

/** A membership: 404 when missing, 403 unless memberships.rego allows the scope. */
function getMembership(ctx: Ctx, scope: 'view' | 'change:role' | 'delete'): MembershipRec {
  const m = ctx.emu.state.memberships.get(ctx.param('id'));
  if (!m) throw notFound();
  const actor = actorIn(ctx, m.org_id);
  const ok = scope === 'view' ? mayViewMembership(actor, m) : mayChangeMembership(actor, m, scope);
  if (!ok) throw forbidden();
  return m;
}

/** Owners and maintainers (and superusers) manage an organization. */
function requireManager(ctx: Ctx, orgId: number, ownerOnly = false): void {
  const me = ctx.requireUser();
  if (me.is_superuser) return;
  const role = ctx.emu.state.membershipOf(me.id, orgId)?.role;
  if (role === 'owner' || (!ownerOnly && role === 'maintainer')) return;
  throw forbidden();
}

function addMembership(
  ctx: Ctx,
  userId: number,
  orgId: number,
  role: Role,
  joined: boolean,
  invitation: string | null,
): MembershipRec {
  const id = ctx.emu.state.nextId('membership');
  const m: MembershipRec = {
    id,
    user_id: userId,
    org_id: orgId,
    role,
    is_active: joined,
    joined_date: joined ? now() : null,
    invitation,
  };
  ctx.emu.state.memberships.set(id, m);
  return m;
}

export function registerOrganizations(emu: Emulator): void {
  const orgSpec = (ctx: Ctx): ListSpec<OrgRec> => ({
    fields: {
      id: (o) => o.id,
      name: (o) => o.name,
      slug: (o) => o.slug,
      owner: (o) => ctx.emu.state.users.get(o.owner_id)?.username ?? null,
    },
    // schema.yml: filter/ordering id, name, owner, slug; search name, owner, slug.
    simple: ['name', 'slug', 'owner'],
    search: ['name', 'slug', 'owner'],
  });
  const membershipSpec = (ctx: Ctx): ListSpec<MembershipRec> => ({
    fields: {
      id: (m) => m.id,
      user: (m) => ctx.emu.state.users.get(m.user_id)?.username ?? null,
      role: (m) => m.role,
    },
    // schema.yml /api/memberships: filter/ordering id, role, user; search user.
    simple: ['user', 'role'],
    search: ['user'],
  });
  const invitationSpec = (ctx: Ctx): ListSpec<InvitationRec> => ({
    // schema.yml /api/invitations: filter accepted, id, owner, user_id; ordering adds created_date.
    fields: {
      // The invitation's primary key is its key.
      id: (i) => i.key,
      owner: (i) => ctx.emu.state.users.get(i.owner_id)?.username ?? null,
      user_id: (i) => i.user_id,
      accepted: (i) => i.accepted,
    },
    sortFields: {
      accepted: (i) => i.accepted,
      created_date: (i) => i.created_date,
      owner: (i) => ctx.emu.state.users.get(i.owner_id)?.username ?? null,
      user_id: (i) => i.user_id,
    },
    simple: ['owner', 'user_id', 'accepted'],
    search: ['owner'],
    defaultSort: '-created_date',
  });

  emu.router
    .add('GET', '/api/organizations', (ctx) => {
      const s = new Serializer(ctx);
      list(
        ctx,
        [...ctx.emu.state.orgs.values()].filter((o) => visibleOrg(ctx, o)),
        orgSpec(ctx),
        (o) => s.org(o),
      );
    })
    .add('POST', '/api/organizations', async (ctx) => {
      const me = ctx.requireUser();
      const o = asObject(await ctx.readJson());
      const slug = reqString(o, 'slug');
      if (!/^[-a-zA-Z0-9_]+$/.test(slug))
        throw badRequest({
          slug: 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.',
        });
      if ([...ctx.emu.state.orgs.values()].some((x) => x.slug === slug))
        throw badRequest({ slug: 'organization with this slug already exists.' });
      const id = ctx.emu.state.nextId('org');
      const t = now();
      const org: OrgRec = {
        id,
        slug,
        name: optString(o, 'name') ?? '',
        description: optString(o, 'description') ?? '',
        contact:
          typeof o.contact === 'object' && o.contact !== null && !Array.isArray(o.contact) ? o.contact : {},
        owner_id: me.id,
        created_date: t,
        updated_date: t,
      };
      ctx.emu.state.orgs.set(id, org);
      addMembership(ctx, me.id, id, 'owner', true, null);
      ctx.json(201, new Serializer(ctx).org(org));
    })
    .add('GET', '/api/organizations/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).org(getOrg(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/organizations/:id', async (ctx) => {
      const org = getOrg(ctx, ctx.param('id'));
      requireManager(ctx, org.id);
      const o = asObject(await ctx.readJson());
      if (o.slug !== undefined) {
        const slug = reqString(o, 'slug');
        if ([...ctx.emu.state.orgs.values()].some((x) => x.slug === slug && x.id !== org.id))
          throw badRequest({ slug: 'organization with this slug already exists.' });
        org.slug = slug;
      }
      org.name = optString(o, 'name') ?? org.name;
      org.description = optString(o, 'description') ?? org.description;
      if (typeof o.contact === 'object' && o.contact !== null && !Array.isArray(o.contact))
        org.contact = o.contact;
      org.updated_date = now();
      ctx.json(200, new Serializer(ctx).org(org));
    })
    .add('DELETE', '/api/organizations/:id', (ctx) => {
      const org = getOrg(ctx, ctx.param('id'));
      requireManager(ctx, org.id, true);
      const state = ctx.emu.state;
      for (const p of [...state.projects.values()]) if (p.org_id === org.id) deleteProject(ctx, p);
      for (const t of [...state.tasks.values()]) if (t.org_id === org.id) deleteTask(ctx, t);
      for (const m of [...state.memberships.values()])
        if (m.org_id === org.id) state.memberships.delete(m.id);
      for (const i of [...state.invitations.values()])
        if (i.org_id === org.id) state.invitations.delete(i.key);
      state.orgs.delete(org.id);
      ctx.empty(204);
    })
    .add('GET', '/api/memberships', (ctx) => {
      const c = ctx.org;
      const actor = actorIn(ctx, c.kind === 'org' ? c.org.id : null);
      const items = [...ctx.emu.state.memberships.values()].filter(
        (m) => membershipListed(actor, c.kind === 'org', m) && (c.kind !== 'org' || m.org_id === c.org.id),
      );
      const s = new Serializer(ctx);
      list(ctx, items, membershipSpec(ctx), (m) => s.membership(m));
    })
    .add('GET', '/api/memberships/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).membership(getMembership(ctx, 'view')));
    })
    .add('PATCH', '/api/memberships/:id', async (ctx) => {
      const m = getMembership(ctx, 'change:role');
      const role = optEnum(asObject(await ctx.readJson()), 'role', ROLES);
      if (role === 'owner') throw forbidden('The owner role cannot be assigned or changed.');
      if (role) m.role = role;
      ctx.json(200, new Serializer(ctx).membership(m));
    })
    .add('DELETE', '/api/memberships/:id', (ctx) => {
      const m = getMembership(ctx, 'delete');
      ctx.emu.state.memberships.delete(m.id);
      ctx.empty(204);
    })
    .add('GET', '/api/invitations', (ctx) => {
      const me = ctx.requireUser();
      let items = [...ctx.emu.state.invitations.values()].filter(
        (i) =>
          me.is_superuser ||
          i.user_id === me.id ||
          i.owner_id === me.id ||
          ctx.emu.state.membershipOf(me.id, i.org_id),
      );
      const c = ctx.org;
      if (c.kind === 'org') items = items.filter((i) => i.org_id === c.org.id);
      const s = new Serializer(ctx);
      list(ctx, items, invitationSpec(ctx), (i) => s.invitation(i));
    })
    .add('POST', '/api/invitations', async (ctx) => {
      const me = ctx.requireUser();
      const c = ctx.org;
      if (c.kind !== 'org')
        throw badRequest({ organization: 'Invitations can only be created in an organization context.' });
      requireManager(ctx, c.org.id);
      const o = asObject(await ctx.readJson());
      const role = optEnum(o, 'role', ROLES);
      if (!role) throw badRequest({ role: 'This field is required.' });
      if (role === 'owner') throw badRequest({ role: 'The owner role cannot be assigned.' });
      const email = reqString(o, 'email');
      const user = [...ctx.emu.state.users.values()].find((u) => u.email === email);
      if (!user) throw badRequest({ email: 'The CVAT emulator can only invite registered users.' });
      if (ctx.emu.state.membershipOf(user.id, c.org.id))
        throw badRequest({ email: 'This user is already a member of the organization.' });
      const key = randomKey(32);
      const membership = addMembership(ctx, user.id, c.org.id, role, false, key);
      const inv: InvitationRec = {
        key,
        created_date: now(),
        owner_id: me.id,
        role,
        user_id: user.id,
        org_id: c.org.id,
        accepted: false,
        membership_id: membership.id,
      };
      ctx.emu.state.invitations.set(key, inv);
      ctx.json(201, new Serializer(ctx).invitation(inv));
    })
    .add('GET', '/api/invitations/:key', (ctx) => {
      ctx.json(200, new Serializer(ctx).invitation(getInvitation(ctx)));
    })
    .add('DELETE', '/api/invitations/:key', (ctx) => {
      const inv = getInvitation(ctx);
      requireManager(ctx, inv.org_id);
      ctx.emu.state.invitations.delete(inv.key);
      const m = ctx.emu.state.memberships.get(inv.membership_id);
      if (m && !m.is_active) ctx.emu.state.memberships.delete(m.id);
      ctx.empty(204);
    })
    .add('POST', '/api/invitations/:key/accept', (ctx) => {
      const inv = getInvitation(ctx);
      if (inv.user_id !== ctx.requireUser().id) throw forbidden();
      if (inv.accepted) throw badRequest('This invitation has already been accepted.');
      inv.accepted = true;
      const m = ctx.emu.state.memberships.get(inv.membership_id);
      if (m) {
        m.is_active = true;
        m.joined_date = now();
      }
      ctx.json(200, { organization_slug: ctx.emu.state.orgs.get(inv.org_id)?.slug ?? '' });
    })
    .add('POST', '/api/invitations/:key/decline', (ctx) => {
      const inv = getInvitation(ctx);
      if (inv.user_id !== ctx.requireUser().id) throw forbidden();
      ctx.emu.state.invitations.delete(inv.key);
      ctx.emu.state.memberships.delete(inv.membership_id);
      ctx.empty(204);
    })
    .add('POST', '/api/invitations/:key/resend', (ctx) => {
      const inv = getInvitation(ctx);
      requireManager(ctx, inv.org_id);
      ctx.empty(204);
    });
}

function getInvitation(ctx: Ctx): InvitationRec {
  const me = ctx.requireUser();
  const inv = ctx.emu.state.invitations.get(ctx.params.key ?? '');
  if (!inv || !(me.is_superuser || inv.user_id === me.id || ctx.emu.state.membershipOf(me.id, inv.org_id)))
    throw notFound();
  return inv;
}
