import type { Ctx } from './context';
import { badRequest, detail } from './errors';

const ALLOWED_HEADERS = [
  'accept',
  'accept-encoding',
  'authorization',
  'content-type',
  'dnt',
  'origin',
  'user-agent',
  'x-csrftoken',
  'x-requested-with',
  'x-organization',
  'upload-start',
  'upload-finish',
  'upload-multiple',
  'tus-resumable',
  'upload-length',
  'upload-metadata',
  'upload-offset',
  'upload-filename',
  'upload-concat',
  'upload-defer-length',
  'upload-checksum',
  'content-disposition',
];
const EXPOSED_HEADERS = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Filename',
  'Tus-Resumable',
  'Upload-Metadata',
  'Retry-After',
  'Content-Disposition',
];

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The host name of a `Host` header or URL host, lowercased, without its port. */
export function hostName(hostport: string): string {
  const h = hostport.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1 || h.length);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

const isIpLiteral = (name: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.startsWith('[');

/**
 * A `Host` the emulator answers to: loopback names, IP literals (DNS rebinding needs a name), the
 * name it was bound to and the configured `allowedHosts`. Anything else is a rebinding attempt.
 */
export function hostAllowed(ctx: Ctx): boolean {
  const raw = ctx.header('host');
  if (raw === undefined) return true;
  const name = hostName(raw);
  if (name === '' || LOOPBACK_NAMES.has(name) || isIpLiteral(name)) return true;
  const bound = ctx.emu.options.host?.toLowerCase();
  if (bound !== undefined && name === bound) return true;
  return (ctx.emu.options.allowedHosts ?? []).some((h) => h.toLowerCase() === name);
}

/**
 * An `Origin` whose pages may call the emulator with credentials: the emulator's own origin (the
 * request's Host), pages on loopback names (any port) and the configured `allowedOrigins`. Any
 * other web page is refused, so it cannot log in as the default user.
 */
export function originAllowed(ctx: Ctx, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (LOOPBACK_NAMES.has(url.hostname)) return true;
  const host = ctx.header('host');
  if (host !== undefined && url.host === host.trim().toLowerCase()) return true;
  return (ctx.emu.options.allowedOrigins ?? []).some(
    (o) => o.replace(/\/+$/, '').toLowerCase() === url.origin,
  );
}

/** CORS as CVAT's django-cors-headers configuration, with credentials, for allowed origins only. */
export function applyCors(ctx: Ctx): void {
  const origin = ctx.header('origin');
  if (!origin) return;
  ctx.res.setHeader('Vary', 'Origin');
  if (!originAllowed(ctx, origin)) throw detail(403, 'Origin not allowed.');
  ctx.res.setHeader('Access-Control-Allow-Origin', origin);
  ctx.res.setHeader('Access-Control-Allow-Credentials', 'true');
  ctx.res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
}

/** Django's answer to a Host outside ALLOWED_HOSTS. */
export function checkHost(ctx: Ctx): void {
  if (!hostAllowed(ctx))
    throw badRequest(
      `Invalid HTTP_HOST header: ${JSON.stringify(ctx.header('host') ?? '')}. The emulator answers to localhost, IP addresses, its bound host and allowedHosts.`,
    );
}

export function preflight(ctx: Ctx): void {
  ctx.res.setHeader('Access-Control-Allow-Methods', 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT');
  ctx.res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
  ctx.res.setHeader('Access-Control-Max-Age', '86400');
  ctx.empty(200);
}
