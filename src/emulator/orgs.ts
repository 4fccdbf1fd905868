import type { Ctx } from './context';
import { badRequest, detail, forbidden } from './errors';
import type { OrgRec, Role, UserRec } from './model';
import type { State } from './state';

/** The organization context of a request: CVAT's X-Organization header, `org` or `org_id`. */
export type OrgContext =
  { kind: 'all' } | { kind: 'personal' } | { kind: 'org'; org: OrgRec; role: Role | null };

export class Orgs {
  constructor(private readonly state: State) {}

  resolve(ctx: Ctx): OrgContext {
    const headerSlug = ctx.header('x-organization');
    const querySlug = ctx.query.get('org');
    const queryId = ctx.query.get('org_id');
    if (queryId !== null && (querySlug !== null || headerSlug !== undefined)) {
      throw badRequest(
        'You cannot specify "org_id" query parameter with "org" query parameter or "X-Organization" HTTP header at the same time.',
      );
    }
    if (querySlug !== null && headerSlug !== undefined && querySlug !== headerSlug) {
      throw badRequest(
        'You cannot specify "org" query parameter and "X-Organization" HTTP header with different values.',
      );
    }
    let org: OrgRec | undefined;
    if (queryId !== null) {
      if (queryId === '') return { kind: 'personal' };
      org = Number.isInteger(Number(queryId)) ? this.state.orgs.get(Number(queryId)) : undefined;
    } else {
      const slug = querySlug ?? headerSlug;
      if (slug === undefined) return { kind: 'all' };
      if (slug === '') return { kind: 'personal' };
      org = [...this.state.orgs.values()].find((o) => o.slug === slug);
    }
    if (!org) throw detail(404, 'Not found.');
    const user = ctx.user;
    const role = user ? (this.state.membershipOf(user.id, org.id)?.role ?? null) : null;
    if (user && !user.is_superuser && !role) throw forbidden('You are not a member of this organization.');
    return { kind: 'org', org, role };
  }

  /** Organizations whose resources the user can see. */
  memberOrgIds(user: UserRec): Set<number> {
    const ids = new Set<number>();
    for (const m of this.state.memberships.values())
      if (m.user_id === user.id && m.is_active) ids.add(m.org_id);
    return ids;
  }

  /** Applies the request's organization context to a resource's organization. */
  inContext(ctx: Ctx, orgId: number | null): boolean {
    const c = ctx.org;
    if (c.kind === 'all') return true;
    if (c.kind === 'personal') return orgId === null;
    return orgId === c.org.id;
  }

  /** Organization id for a resource created in the request's context. */
  createIn(ctx: Ctx): number | null {
    const c = ctx.org;
    return c.kind === 'org' ? c.org.id : null;
  }
}
