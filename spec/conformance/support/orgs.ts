import { randomBytes } from 'node:crypto';
import type { Session, Target } from './target';

type Role = 'worker' | 'supervisor' | 'maintainer';

/**
 * An organization owned by `target().admin` (created as any user may, removed at the end) with
 * `member` invited in `role` and the invitation accepted. Returns its slug and id, and the membership id.
 */
export async function orgWithMember(
  target: Target,
  member: Session,
  role: Role,
): Promise<{ slug: string; orgId: number; membershipId: number }> {
  const admin = target.admin;
  // Slugs are short (16 characters) and cannot carry the run's prefix; the name does.
  const slug = `rx${randomBytes(6).toString('hex')}`;
  const org = await admin.post('/api/organizations', { slug, name: target.name('org') });
  if (org.status !== 201) throw new Error(`organization: ${org.status} ${org.text}`);
  const self = await member.get('/api/users/self');
  const email = (self.body as { email: string }).email;
  const inv = await admin.post('/api/invitations', { role, email }, { org: slug });
  if (inv.status !== 201) throw new Error(`invitation: ${inv.status} ${inv.text}`);
  const key = (inv.body as { key: string }).key;
  const accepted = await member.post(`/api/invitations/${key}/accept`);
  if (accepted.status !== 200) throw new Error(`accept: ${accepted.status} ${accepted.text}`);
  const members = await admin.get('/api/memberships', { org: slug, query: { user: member.username } });
  const m = (members.body as { results: Array<{ id: number }> }).results[0];
  if (!m) throw new Error('membership not found');
  return { slug, orgId: (org.body as { id: number }).id, membershipId: m.id };
}

/** Results of a list reply. */
export function results<T = Record<string, unknown>>(body: unknown): T[] {
  return (body as { results: T[] }).results;
}

/** The ids of a list reply. */
export function ids(body: unknown): number[] {
  return results<{ id: number }>(body).map((o) => o.id);
}
