import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { CvatClient } from '../../src/client';
import type { Job, Task } from '../../src/entities';
import { ApiError } from '../../src/errors';
import { taskWithFrames, useEmulator } from './support';

const env = useEmulator();

const rect = (labelId: number, frame: number, box: number[]) => ({
  type: 'rectangle' as const,
  frame,
  label_id: labelId,
  points: box,
});

async function labelIds(task: Task): Promise<{ car: number; person: number }> {
  const labels = await lastValueFrom(task.labels().pipe(toArray()));
  const id = (name: string) => labels.find((l) => l.name === name)!.id;
  return { car: id('car'), person: id('person') };
}

async function jobsOf(task: Task): Promise<Job[]> {
  return lastValueFrom(task.jobs().pipe(toArray()));
}

/**
 * A task of 4 frames in 2 jobs (0-1, 2-3) with a ground-truth job on frames 0 and 2:
 * frame 0 agrees; frame 2 has a label mismatch, an extra box and a missed box.
 */
async function arrangeTask(client: CvatClient, name: string): Promise<{ task: Task; gt: Job }> {
  const task = await taskWithFrames(client, name, 4, 2);
  const { car, person } = await labelIds(task);
  const gt = await firstValueFrom(
    client.jobs.create({
      task_id: task.id,
      type: 'ground_truth',
      frame_selection_method: 'manual',
      frames: [0, 2],
    }),
  );
  await firstValueFrom(
    gt.setAnnotations({
      shapes: [rect(car, 0, [0, 0, 4, 4]), rect(car, 2, [0, 0, 4, 4]), rect(person, 2, [5, 5, 8, 6])],
    }),
  );
  const jobs = (await jobsOf(task)).filter((j) => j.type === 'annotation');
  const [first, second] = [jobs.find((j) => j.start_frame === 0)!, jobs.find((j) => j.start_frame === 2)!];
  await firstValueFrom(
    first.setAnnotations({ shapes: [rect(car, 0, [0, 0, 4, 4.2]), rect(car, 1, [1, 1, 2, 2])] }),
  );
  await firstValueFrom(
    second.setAnnotations({
      shapes: [rect(person, 2, [0, 0, 4, 4]), rect(car, 3, [0, 0, 1, 1]), rect(car, 2, [6, 0, 8, 1])],
    }),
  );
  return { task, gt };
}

describe('client.quality against the emulator', () => {
  it('settings of a task: read, update; requirements: list and update', async () => {
    const { client } = env();
    const task = await taskWithFrames(client, 'q-settings', 2);
    const settings = await firstValueFrom(client.quality.settings({ taskId: task.id }));
    expect(settings).toMatchObject({ task_id: task.id, inherit: true, job_filter: '' });
    expect(settings.requirements?.map((r) => r.name)).toContain('Base rectangle');
    const updated = await firstValueFrom(
      client.quality.updateSettings({ taskId: task.id }, { inherit: false, max_validations_per_job: 2 }),
    );
    expect(updated).toMatchObject({ id: settings.id, inherit: false, max_validations_per_job: 2 });
    const rectangle = await firstValueFrom(
      client.quality.requirements({ task_id: task.id, annotation_type: 'rectangle' }),
    );
    const changed = await firstValueFrom(
      client.quality.updateRequirement(rectangle.id!, { enabled: true, iou_threshold: 0.6 }),
    );
    expect(changed).toMatchObject({ enabled: true, iou_threshold: 0.6 });
    await expect(
      firstValueFrom(client.quality.updateRequirement(rectangle.id!, { iou_threshold: 2 })),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('createReport needs an accepted, completed ground truth (400 before)', async () => {
    const { client } = env();
    const { task } = await arrangeTask(client, 'q-not-ready');
    const error: unknown = await firstValueFrom(client.quality.createReport({ taskId: task.id })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toMatch(/Ground Truth job/);
  });

  it('createReport waits on the request and emits the report; reports, conflicts, matrix and data follow', async () => {
    const { client } = env();
    const { task, gt } = await arrangeTask(client, 'q-report');
    await firstValueFrom(gt.update({ stage: 'acceptance', state: 'completed' }));
    const events = await lastValueFrom(
      client.quality.createReport({ taskId: task.id }, { observe: 'events' }).pipe(toArray()),
    );
    expect(events.some((e) => e.type === 'progress' && e.phase === 'processing')).toBe(true);
    const last = events[events.length - 1]!;
    if (last.type !== 'result') throw new Error('no result');
    const report = last.value;
    expect(report).toMatchObject({ target: 'task', task_id: task.id, job_id: null });
    expect(report.summary).toMatchObject({
      total_frames: 4,
      validation_frames: 2,
      validation_frame_share: 0.5,
      conflict_count: 3,
      error_count: 3,
      conflicts_by_type: { mismatching_label: 1, missing_annotation: 1, extra_annotation: 1 },
      jobs: { total: 2, included: 2, not_checkable: 0, completed: 1, excluded: 0 },
    });

    const all = await lastValueFrom(client.quality.reports({ task_id: task.id }).pipe(toArray()));
    expect(all.map((r) => r.target).sort()).toEqual(['job', 'job', 'task']);
    const jobReports = await lastValueFrom(client.quality.reports({ parent_id: report.id! }).pipe(toArray()));
    expect(jobReports.map((r) => r.summary.conflict_count).sort()).toEqual([0, 3]);

    const conflicts = await lastValueFrom(client.quality.conflicts(report.id!).pipe(toArray()));
    expect(conflicts.map((c) => c.type).sort()).toEqual([
      'extra_annotation',
      'mismatching_label',
      'missing_annotation',
    ]);
    expect(conflicts.every((c) => c.frame === 2 && c.severity === 'error')).toBe(true);
    const mismatch = conflicts.find((c) => c.type === 'mismatching_label')!;
    expect(mismatch.annotation_ids.map((a) => a.job_id).sort()).toEqual(
      [gt.id, jobReports.find((r) => r.summary.conflict_count === 3)!.job_id].sort(),
    );

    const matrix = await firstValueFrom(client.quality.confusionMatrix(report.id!));
    expect(matrix.labels).toEqual(['car', 'person', 'unmatched']);
    // rows: annotation label, cols: ground truth label; car on 0 agrees, person given for a car.
    expect(matrix.rows).toEqual([
      [1, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);

    const data = await firstValueFrom(client.quality.reportData(report.id!));
    expect(data).toMatchObject({ target: 'task', comparison_summary: { conflict_count: 3 } });
    expect((await firstValueFrom(client.quality.report(report.id!))).summary.conflict_count).toBe(3);
  });

  it('a project report sums the reports of its checkable tasks', async () => {
    const { client } = env();
    const project = await firstValueFrom(
      client.projects.create({ name: 'q-project', labels: [{ name: 'car' }, { name: 'person' }] }),
    );
    const { task, gt } = await arrangeTaskInProject(client, project.id);
    await firstValueFrom(gt.update({ stage: 'acceptance', state: 'completed' }));
    const report = await firstValueFrom(client.quality.createReport({ projectId: project.id }));
    expect(report).toMatchObject({ target: 'project', project_id: project.id });
    expect(report.summary.tasks).toMatchObject({ total: 1, included: 1, not_configured: 0 });
    expect(report.summary.conflict_count).toBe(0);
    const tasks = await lastValueFrom(
      client.quality.reports({ parent_id: report.id!, target: 'task' }).pipe(toArray()),
    );
    expect(tasks.map((r) => r.task_id)).toEqual([task.id]);
  });

  it('bad targets are UsageErrors before any request', async () => {
    const { client, lines } = env();
    const before = lines.length;
    await expect(firstValueFrom(client.quality.createReport({ taskId: 0 }))).rejects.toThrow(/taskId/);
    expect(lines.length).toBe(before);
  });
});

async function arrangeTaskInProject(client: CvatClient, projectId: number): Promise<{ task: Task; gt: Job }> {
  const task = await firstValueFrom(
    client.tasks.createFromData({
      spec: { name: 'q-project-task', project_id: projectId, segment_size: 2 },
      resourceType: 'share',
      resources: ['f0.png', 'f1.png'],
    }),
  );
  const labels = await lastValueFrom(task.labels().pipe(toArray()));
  const car = labels.find((l) => l.name === 'car')!.id;
  const gt = await firstValueFrom(
    client.jobs.create({
      task_id: task.id,
      type: 'ground_truth',
      frame_selection_method: 'manual',
      frames: [1],
    }),
  );
  await firstValueFrom(gt.setAnnotations({ shapes: [rect(car, 1, [0, 0, 2, 2])] }));
  const [job] = (await jobsOf(task)).filter((j) => j.type === 'annotation');
  await firstValueFrom(job!.setAnnotations({ shapes: [rect(car, 1, [0, 0, 2, 2])] }));
  return { task, gt };
}

describe('client.consensus against the emulator', () => {
  it('settings of a consensus task; merge keeps what the quorum of replicas agrees on', async () => {
    const { client } = env();
    const task = await firstValueFrom(
      client.tasks.createFromData({
        spec: { name: 'consensus', labels: [{ name: 'car' }, { name: 'person' }], consensus_replicas: 3 },
        resourceType: 'share',
        resources: ['f0.png', 'f1.png'],
      }),
    );
    const settings = await firstValueFrom(client.consensus.settings(task.id));
    expect(settings).toMatchObject({ task_id: task.id, iou_threshold: 0.4 });
    expect(
      await firstValueFrom(client.consensus.updateSettings(task.id, { iou_threshold: 0.5 })),
    ).toMatchObject({
      iou_threshold: 0.5,
    });
    const { car, person } = await labelIds(task);
    const jobs = await lastValueFrom(
      client.jobs.list({ task_id: task.id, type: 'consensus_replica', sort: 'id' }).pipe(toArray()),
    );
    expect(jobs).toHaveLength(3);
    const [r1, r2, r3] = jobs;
    await firstValueFrom(
      r1!.setAnnotations({ shapes: [rect(car, 0, [0, 0, 4, 4]), rect(car, 1, [5, 5, 6, 6])] }),
    );
    await firstValueFrom(r2!.setAnnotations({ shapes: [rect(car, 0, [0, 0, 4, 3.9])] }));
    await firstValueFrom(r3!.setAnnotations({ shapes: [rect(person, 0, [0.1, 0, 4, 4])] }));
    const parent = await firstValueFrom(client.jobs.retrieve(r1!.parent_job_id!));
    expect((await firstValueFrom(parent.getAnnotations())).shapes).toEqual([]);

    const status = await firstValueFrom(client.consensus.merge({ taskId: task.id }));
    expect(status.status).toBe('finished');
    const merged = (await firstValueFrom(parent.getAnnotations())).shapes ?? [];
    expect(merged.map((s) => [s.frame, s.label_id, s.points])).toEqual([[0, car, [0, 0, 4, 4]]]);
    // The replicas keep their own annotations.
    expect((await firstValueFrom(r1!.getAnnotations())).shapes).toHaveLength(2);
  });

  it('merging a task without replicas is a 400 from the server', async () => {
    const { client } = env();
    const task = await taskWithFrames(client, 'no-consensus', 1);
    await expect(firstValueFrom(client.consensus.merge({ taskId: task.id }))).rejects.toMatchObject({
      status: 400,
    });
    await expect(firstValueFrom(client.consensus.settings(task.id))).rejects.toThrow(/no consensus/);
  });
});
