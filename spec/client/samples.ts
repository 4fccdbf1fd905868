/** Minimal valid bodies of CVAT's read schemas, for wire tests. */
export const HOST = 'http://cvat.test';

export const task = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: `task ${id}`,
  size: 0,
  status: 'annotation',
  jobs: { count: 0, completed: 0, validation: 0 },
  labels: { url: `${HOST}/api/labels?task_id=${id}` },
  ...extra,
});
export const project = (id: number) => ({
  id,
  name: `project ${id}`,
  tasks: { count: 0 },
  labels: { url: 'x' },
});
export const job = (id: number) => ({ id, task_id: 1, issues: { count: 0 }, labels: { url: 'x' } });
export const label = (id: number) => ({ id, name: `label ${id}` });
export const user = (id: number) => ({ id, username: `user${id}`, groups: ['user'] });
export const organization = (id: number) => ({ id, slug: `org${id}`, owner: { id: 1, username: 'admin' } });
export const membership = (id: number) => ({ id, user: { id: 2, username: 'worker' }, role: 'worker' });
export const invitation = (key: string) => ({
  key,
  owner: { id: 1, username: 'admin' },
  user: { id: 2, username: 'worker' },
  role: 'worker',
  organization: 1,
  organization_info: { id: 1, slug: 'org1' },
});
export const issue = (id: number) => ({
  id,
  frame: 0,
  job: 1,
  position: [0, 0, 1, 1],
  comments: { count: 0 },
});
export const comment = (id: number) => ({ id, issue: 1, message: 'hi' });
export const cloudStorage = (id: number) => ({
  id,
  provider_type: 'AWS_S3_BUCKET',
  resource: 'bucket',
  display_name: 'storage',
  credentials_type: 'ANONYMOUS_ACCESS',
});
export const webhook = (id: number) => ({
  id,
  type: 'project',
  content_type: 'application/json',
  target_url: 'http://hook',
});
export const request = (id: string, status = 'finished', extra: Record<string, unknown> = {}) => ({
  id,
  status,
  message: '',
  progress: status === 'finished' ? 1 : 0,
  created_date: '2026-01-01T00:00:00Z',
  operation: { type: 'create:task', target: 'task', task_id: 1 },
  ...extra,
});

export function page<T>(results: T[], next: string | null = null, count = results.length) {
  return { count, next, previous: null, results };
}
