import { asObject, optBool, optString } from '../body';
import type { Ctx } from '../context';
import { forbidden, notFound } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { UserRec } from '../model';
import type { Emulator } from '../server';
import { Serializer } from '../serialize';

const spec: ListSpec<UserRec> = {
  fields: {
    id: (u) => u.id,
    username: (u) => u.username,
    first_name: (u) => u.first_name,
    last_name: (u) => u.last_name,
    is_active: (u) => u.is_active,
  },
  // UserViewSet: ordering -id, like every list but labels.
  simple: ['username', 'first_name', 'last_name', 'is_active'],
  search: ['username', 'first_name', 'last_name'],
};

/** Others see a user's BasicUser view; the user themselves and admins see everything. */
function view(ctx: Ctx, s: Serializer, u: UserRec): unknown {
  const me = ctx.requireUser();
  return me.is_superuser || me.id === u.id ? s.user(u) : s.basicUser(u.id);
}

export function registerUsers(emu: Emulator): void {
  emu.router
    .add('GET', '/api/users/self', (ctx) => {
      ctx.json(200, new Serializer(ctx).user(ctx.requireUser()));
    })
    .add('GET', '/api/users', (ctx) => {
      let items = [...ctx.emu.state.users.values()];
      const c = ctx.org;
      if (c.kind === 'org') {
        const members = new Set(
          [...ctx.emu.state.memberships.values()]
            .filter((m) => m.org_id === c.org.id && m.is_active)
            .map((m) => m.user_id),
        );
        items = items.filter((u) => members.has(u.id));
      }
      const s = new Serializer(ctx);
      list(ctx, items, spec, (u) => view(ctx, s, u));
    })
    .add('GET', '/api/users/:id', (ctx) => {
      const u = ctx.emu.state.users.get(ctx.param('id'));
      if (!u) throw notFound();
      ctx.json(200, view(ctx, new Serializer(ctx), u));
    })
    .add('PATCH', '/api/users/:id', async (ctx) => {
      const me = ctx.requireUser();
      const u = ctx.emu.state.users.get(ctx.param('id'));
      if (!u) throw notFound();
      if (!me.is_superuser && me.id !== u.id) throw forbidden();
      const o = asObject(await ctx.readJson());
      u.first_name = optString(o, 'first_name') ?? u.first_name;
      u.last_name = optString(o, 'last_name') ?? u.last_name;
      u.email = optString(o, 'email') ?? u.email;
      if (me.is_superuser) {
        u.is_active = optBool(o, 'is_active') ?? u.is_active;
        u.is_staff = optBool(o, 'is_staff') ?? u.is_staff;
        u.is_superuser = optBool(o, 'is_superuser') ?? u.is_superuser;
      }
      ctx.json(200, new Serializer(ctx).user(u));
    })
    .add('DELETE', '/api/users/:id', (ctx) => {
      const me = ctx.requireUser();
      const u = ctx.emu.state.users.get(ctx.param('id'));
      if (!u) throw notFound();
      if (!me.is_superuser && me.id !== u.id) throw forbidden();
      ctx.emu.state.users.delete(u.id);
      ctx.empty(204);
    });
}
