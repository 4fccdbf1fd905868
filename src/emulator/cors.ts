import type { Ctx } from './context';

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

/** CORS as CVAT's django-cors-headers configuration: any origin, with credentials. */
export function applyCors(ctx: Ctx): void {
  const origin = ctx.header('origin');
  if (!origin) return;
  ctx.res.setHeader('Access-Control-Allow-Origin', origin);
  ctx.res.setHeader('Access-Control-Allow-Credentials', 'true');
  ctx.res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
  ctx.res.setHeader('Vary', 'Origin');
}

export function preflight(ctx: Ctx): void {
  ctx.res.setHeader('Access-Control-Allow-Methods', 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT');
  ctx.res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
  ctx.res.setHeader('Access-Control-Max-Age', '86400');
  ctx.empty(200);
}
