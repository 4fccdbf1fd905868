import { checkPassword, randomKey } from '../auth';
import { asObject, optBool, optString, reqString } from '../body';
import type { Ctx } from '../context';
import { badRequest, forbidden, notFound } from '../errors';
import { list } from '../listing';
import type { ListSpec } from '../listing';
import type { AccessTokenRec } from '../model';
import { now } from '../model';
import type { Emulator } from '../server';
import { Serializer } from '../serialize';

const spec: ListSpec<AccessTokenRec> = {
  fields: {
    id: (t) => t.id,
    name: (t) => t.name,
    read_only: (t) => t.read_only,
    created_date: (t) => t.created_date,
    updated_date: (t) => t.updated_date,
    expiry_date: (t) => t.expiry_date,
    last_used_date: (t) => t.last_used_date,
  },
  simple: ['name', 'read_only'],
  search: ['name'],
};

function ownToken(ctx: Ctx, id: number): AccessTokenRec {
  const t = ctx.emu.state.accessTokens.get(id);
  if (!t || t.owner_id !== ctx.requireUser().id) throw notFound();
  return t;
}

function expiry(o: Record<string, unknown>): string | null | undefined {
  const v = o.expiry_date;
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v)))
    throw badRequest({ expiry_date: 'Datetime has wrong format.' });
  if (Date.parse(v) <= Date.now())
    throw badRequest({ expiry_date: 'The expiration date must be in the future.' });
  return new Date(v).toISOString();
}

export function registerAuth(emu: Emulator): void {
  emu.router
    .add(
      'POST',
      '/api/auth/login',
      async (ctx) => {
        const o = asObject(await ctx.readJson());
        const password = reqString(o, 'password');
        const login = optString(o, 'username') || optString(o, 'email');
        if (!login)
          throw badRequest({ non_field_errors: 'Must include "username" or "email" and "password".' });
        const user = checkPassword(ctx.emu.state, login, password);
        if (!user) throw badRequest({ non_field_errors: 'Unable to log in with provided credentials.' });
        const state = ctx.emu.state;
        let key = [...state.tokenKeys.entries()].find(([, uid]) => uid === user.id)?.[0];
        if (!key) {
          key = randomKey();
          state.tokenKeys.set(key, user.id);
        }
        const sessionId = randomKey(16);
        const csrf = randomKey(16);
        state.sessions.set(sessionId, { userId: user.id, csrf });
        user.last_login = now();
        ctx.res.setHeader('Set-Cookie', [
          `csrftoken=${csrf}; expires=${new Date(Date.now() + 365 * 864e5).toUTCString()}; Max-Age=31449600; Path=/; SameSite=Lax`,
          `sessionid=${sessionId}; expires=${new Date(Date.now() + 14 * 864e5).toUTCString()}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`,
        ]);
        ctx.json(200, { key });
      },
      { public: true },
    )
    .add(
      'POST',
      '/api/auth/logout',
      (ctx) => {
        const state = ctx.emu.state;
        const cookie = ctx.header('cookie') ?? '';
        const sid = /(?:^|;\s*)sessionid=([^;]+)/.exec(cookie)?.[1];
        if (sid) state.sessions.delete(sid);
        if (ctx.user)
          for (const [k, uid] of [...state.tokenKeys]) if (uid === ctx.user.id) state.tokenKeys.delete(k);
        ctx.res.setHeader('Set-Cookie', [
          'csrftoken=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
          'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
        ]);
        ctx.json(200, { detail: 'Successfully logged out.' });
      },
      { public: true },
    )
    .add('GET', '/api/auth/access_tokens', (ctx) => {
      const me = ctx.requireUser();
      const s = new Serializer(ctx);
      list(
        ctx,
        [...ctx.emu.state.accessTokens.values()].filter((t) => t.owner_id === me.id),
        spec,
        (t) => s.accessToken(t),
      );
    })
    .add('POST', '/api/auth/access_tokens', async (ctx) => {
      const me = ctx.requireUser();
      if (ctx.authKind === 'bearer') throw forbidden('Access tokens cannot be created with an access token.');
      const o = asObject(await ctx.readJson());
      const id = ctx.emu.state.nextId('access_token');
      const t = now();
      const token: AccessTokenRec = {
        id,
        name: reqString(o, 'name'),
        value: randomKey(24),
        owner_id: me.id,
        read_only: optBool(o, 'read_only') ?? false,
        created_date: t,
        updated_date: t,
        expiry_date: expiry(o) ?? null,
        last_used_date: null,
      };
      ctx.emu.state.accessTokens.set(id, token);
      ctx.json(201, new Serializer(ctx).accessToken(token, true));
    })
    .add('GET', '/api/auth/access_tokens/self', (ctx) => {
      if (ctx.accessTokenId === null) throw notFound();
      ctx.json(200, new Serializer(ctx).accessToken(ownToken(ctx, ctx.accessTokenId)));
    })
    .add('GET', '/api/auth/access_tokens/:id', (ctx) => {
      ctx.json(200, new Serializer(ctx).accessToken(ownToken(ctx, ctx.param('id'))));
    })
    .add('PATCH', '/api/auth/access_tokens/:id', async (ctx) => {
      const token = ownToken(ctx, ctx.param('id'));
      const o = asObject(await ctx.readJson());
      if (o.name !== undefined) token.name = reqString(o, 'name');
      token.read_only = optBool(o, 'read_only') ?? token.read_only;
      const e = expiry(o);
      if (e !== undefined) token.expiry_date = e;
      token.updated_date = now();
      ctx.json(200, new Serializer(ctx).accessToken(token));
    })
    .add('DELETE', '/api/auth/access_tokens/:id', (ctx) => {
      const token = ownToken(ctx, ctx.param('id'));
      ctx.emu.state.accessTokens.delete(token.id);
      ctx.empty(204);
    });
}
