/**
 * The app whose browser bundle `npm run size` measures: what a typical front end does with
 * cvat-rx (log in, list tasks, create a task from Files with a progress bar, follow its status).
 * It imports the package by name, so the measure is of the built package as users install it.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { makeClient, toProgressView } from 'cvat-rx';

export async function main(
  host: string,
  files: readonly File[],
  onView: (text: string) => void,
): Promise<void> {
  const client = await lastValueFrom(makeClient({ host }).login({ username: 'user', password: 'secret' }));
  const tasks = await lastValueFrom(client.tasks.list({ pageSize: 10 }).pipe(toArray()));
  onView(`${tasks.length} tasks`);
  const created = client.tasks
    .createFromData(
      { spec: { name: 'upload', labels: [{ name: 'car' }] }, resources: files },
      { observe: 'events' },
    )
    .pipe(toProgressView());
  created.subscribe((view) =>
    onView(view.type === 'progress' ? `${view.phase} ${view.percent ?? 0}%` : `task ${view.value.id}`),
  );
}
