import type { CallInit, Reply, Session } from './target';

/** Creates a task (name prefixed), without data; returns its id. */
export async function emptyTask(
  s: Session,
  spec: Record<string, unknown> = {},
  init: CallInit = {},
): Promise<number> {
  const r = await s.post(
    '/api/tasks',
    { labels: [{ name: 'car' }], ...spec, name: s.target.name('t') },
    init,
  );
  if (r.status !== 201) throw new Error(`task create failed: ${r.status} ${r.text}`);
  return (r.body as { id: number }).id;
}

/**
 * One multipart data request (`client_files[i]` plus the given fields, nothing added: unlike
 * `taskWithImages`, `image_quality` is only sent when the caller gives it).
 */
export function postData(
  s: Session,
  taskId: number,
  images: Array<[string, Buffer]>,
  fields: Record<string, string>,
): Promise<Reply> {
  const form = new FormData();
  images.forEach(([name, data], i) =>
    form.append(`client_files[${i}]`, new Blob([new Uint8Array(data)]), name),
  );
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return s.call('POST', `/api/tasks/${taskId}/data/`, { body: form });
}

/** A data request and the end of its processing: the request as the Requests API shows it. */
export async function dataAndWait(
  s: Session,
  taskId: number,
  images: Array<[string, Buffer]>,
  fields: Record<string, string>,
): Promise<Record<string, unknown>> {
  const r = await postData(s, taskId, images, fields);
  if (r.status !== 202) throw new Error(`data upload failed: ${r.status} ${r.text}`);
  return s.wait((r.body as { rq_id: string }).rq_id);
}

/** `count` distinct small PNG images named 000.png, 001.png… */
export function images(count: number, make: (i: number) => Buffer): Array<[string, Buffer]> {
  return Array.from({ length: count }, (_, i) => [`${String(i).padStart(3, '0')}.png`, make(i)]);
}
