import { png } from '../emulator/helpers';
import { Target } from './support/target';

/** The harness itself: what a conformance run creates carries its prefix and is removed at the end. */
describe('conformance harness', () => {
  it('removes every object created through a session, even when a case failed', async () => {
    const target = await Target.open();
    const admin = target.admin;
    let projectId = 0;
    let taskId = 0;
    try {
      const project = await admin.post('/api/projects', {
        name: target.name('p'),
        labels: [{ name: 'car' }],
      });
      expect(project.status).toBe(201);
      projectId = (project.body as { id: number }).id;
      const task = await admin.taskWithImages({ name: 't', project_id: projectId }, [['a.png', png(8, 8)]]);
      taskId = task.id as number;
      expect(String(task.name)).toMatch(new RegExp(`^${target.prefix}`));
      throw new Error('a failing case');
    } catch (e) {
      expect(String(e)).toContain('a failing case');
    } finally {
      const before = target.kind;
      expect(before).toBe('emulator');
      // Reopen the emulator's view before it closes: the objects exist now...
      expect((await admin.get(`/api/tasks/${taskId}`)).status).toBe(200);
      const removed: number[] = [];
      const original = admin.delete.bind(admin);
      admin.delete = async (path, init) => {
        const r = await original(path, init);
        if (r.status === 204) removed.push(Number(path.split('/').pop()));
        return r;
      };
      await target.close();
      // ...and close() deleted both, the task (newest) before its project.
      expect(removed).toEqual([taskId, projectId]);
    }
  });
});
