import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { CvatClient } from '../../src/client';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import { readZip } from '../../src/emulator/data/zip';
import type { LabeledData } from '../../src/models';
import { makeNodeClient } from '../../src/node';
import { png } from '../emulator/helpers';
import {
  CVAT_CLI,
  PYTHON,
  SDK_SCRIPT,
  SKIP_MESSAGE,
  peersInstalled,
  pixelHashes,
  run,
  succeeded,
} from './support';

/**
 * CVAT's own clients, cvat-cli and cvat-sdk 2.73.0 from PyPI, against the emulator: every command
 * must succeed, and what they report must be what cvat-rx sees on the same server.
 */
const USER = 'peer';
const PASSWORD = 'peer-password';
const IMAGES: Array<[string, Buffer]> = [
  ['a.png', png(32, 24, 0x20)],
  ['b.png', png(16, 40, 0x90)],
  ['c.png', png(24, 24, 0xe0)],
];
const LABELS = [{ name: 'car' }, { name: 'person' }];

/** CVAT 1.1 XML for a.png and b.png: one box, one polygon, one tag. */
const ANNOTATIONS_XML = `<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <image id="0" name="a.png" width="32" height="24">
    <box label="car" source="manual" occluded="0" xtl="1" ytl="2" xbr="10" ybr="12" z_order="0"></box>
  </image>
  <image id="1" name="b.png" width="16" height="40">
    <polygon label="person" source="manual" occluded="0" points="1,1;5,1;5,5" z_order="0"></polygon>
    <tag label="car" source="manual"></tag>
  </image>
</annotations>
`;

interface Counts {
  tags: number;
  shapes: number;
  tracks: number;
}
const countsOf = (a: LabeledData): Counts => ({
  tags: a.tags?.length ?? 0,
  shapes: a.shapes?.length ?? 0,
  tracks: a.tracks?.length ?? 0,
});
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
/** The ids in a JSON list printed by `… ls --json`. */
const idsOf = (json: string): number[] => (JSON.parse(json) as Array<{ id: number }>).map((x) => x.id);

if (!peersInstalled) {
  console.warn(`spec/peers skipped: ${SKIP_MESSAGE}`);
}
const describePeers = peersInstalled ? describe : describe.skip;
// Each command starts a Python process and polls like the real client does: minutes on a busy machine.
jest.setTimeout(300_000);

describePeers("CVAT's own clients (cvat-cli, cvat-sdk 2.73.0) against the emulator", () => {
  let server: RunningEmulator;
  let rx: CvatClient;
  let work: string;
  let images: string[];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cvat-rx-peers-'));
    images = IMAGES.map(([name, data]) => {
      writeFileSync(join(work, name), data);
      return join(work, name);
    });
    writeFileSync(join(work, 'annotations.xml'), ANNOTATIONS_XML);
    server = await startEmulator({
      port: 0,
      host: '127.0.0.1',
      processingDelayMs: 0,
      users: [{ username: USER, password: PASSWORD, email: 'peer@localhost' }],
    });
    rx = await firstValueFrom(
      makeNodeClient({ host: server.url }).login({ username: USER, password: PASSWORD }),
    );
  });
  afterAll(async () => {
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cli = async (...args: string[]): Promise<string> => {
    const port = new URL(server.url).port;
    const global = ['--server-host', 'http://127.0.0.1', '--server-port', port, '--auth', USER];
    return succeeded(await run(CVAT_CLI, [...global, ...args], PASSWORD, work));
  };
  const annotationCounts = async (taskId: number): Promise<Counts> => {
    const task = await firstValueFrom(rx.tasks.retrieve(taskId));
    return countsOf(await firstValueFrom(task.getAnnotations()));
  };
  /** Elements of each kind in a CVAT XML export. */
  const xmlCounts = (zipPath: string): Counts => {
    const xml = readZip(readFileSync(zipPath))
      .find((e) => e.name === 'annotations.xml')!
      .read()
      .toString('utf8');
    const count = (re: RegExp) => (xml.match(re) ?? []).length;
    return { tags: count(/<tag\b/g), shapes: count(/<(box|polygon)\b/g), tracks: count(/<track\b/g) };
  };

  describe('cvat-cli', () => {
    let projectId = 0;
    let taskId = 0;
    let restoredId = 0;

    it('project create / ls --json: the id cvat-rx finds, with its labels', async () => {
      projectId = Number(
        (await cli('project', 'create', 'cli-project', '--labels', JSON.stringify(LABELS))).trim(),
      );
      const project = await firstValueFrom(rx.projects.retrieve(projectId));
      expect(project.name).toBe('cli-project');
      const labels = await lastValueFrom(project.labels().pipe(toArray()));
      expect(labels.map((l) => l.name).sort()).toEqual(['car', 'person']);
      const listed = idsOf(await cli('project', 'ls', '--json'));
      const rxListed = (await lastValueFrom(rx.projects.list().pipe(toArray()))).map((p) => p.id);
      expect(listed).toEqual(rxListed);
      expect(listed).toContain(projectId);
    });

    it('task create (local files, --labels, --annotation_path) / ls --json', async () => {
      const out = await cli(
        'task',
        'create',
        'cli-task',
        'local',
        ...images,
        '--labels',
        JSON.stringify(LABELS),
        '--annotation_path',
        join(work, 'annotations.xml'),
        '--completion_verification_period',
        '0.2',
      );
      taskId = Number(out.trim());
      const task = await firstValueFrom(rx.tasks.retrieve(taskId));
      expect(task.name).toBe('cli-task');
      expect(task.size).toBe(3);
      expect(await annotationCounts(taskId)).toEqual({ tags: 1, shapes: 2, tracks: 0 });
      const listed = idsOf(await cli('task', 'ls', '--json'));
      const rxListed = (await lastValueFrom(rx.tasks.list().pipe(toArray()))).map((t) => t.id);
      expect(listed).toEqual(rxListed);
      expect(listed).toContain(taskId);
    });

    it('task frames: the same pixels as the frames cvat-rx downloads', async () => {
      const outdir = join(work, 'cli-frames');
      await cli('task', 'frames', String(taskId), '0', '1', '2', '--outdir', outdir, '--quality', 'original');
      const written = readdirSync(outdir).sort();
      expect(written).toEqual([0, 1, 2].map((i) => `task_${taskId}_frame_00000${i}.png`));
      const task = await firstValueFrom(rx.tasks.retrieve(taskId));
      const rxFiles = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const file = join(work, `rx-frame-${i}.png`);
          writeFileSync(file, await firstValueFrom(task.frame(i, { quality: 'original' })));
          return file;
        }),
      );
      const cliHashes = await pixelHashes(written.map((f) => join(outdir, f)));
      expect(cliHashes).toEqual(await pixelHashes(rxFiles));
      expect(cliHashes).toEqual(await pixelHashes(images));
    });

    it('task export-dataset / import-dataset: the annotations cvat-rx reads', async () => {
      const exported = join(work, 'cli-dataset.zip');
      await cli(
        'task',
        'export-dataset',
        String(taskId),
        exported,
        '--format',
        'CVAT for images 1.1',
        '--with-images',
        'False',
        '--completion_verification_period',
        '0.2',
      );
      expect(xmlCounts(exported)).toEqual(await annotationCounts(taskId));
      const task = await firstValueFrom(rx.tasks.retrieve(taskId));
      await firstValueFrom(task.removeAnnotations());
      expect(await annotationCounts(taskId)).toEqual({ tags: 0, shapes: 0, tracks: 0 });
      await cli('task', 'import-dataset', String(taskId), exported, '--format', 'CVAT 1.1');
      expect(await annotationCounts(taskId)).toEqual({ tags: 1, shapes: 2, tracks: 0 });
    });

    it('task backup / create-from-backup: a new task cvat-rx reads like the original', async () => {
      const backup = join(work, 'cli-backup.zip');
      await cli('task', 'backup', String(taskId), backup, '--completion_verification_period', '0.2');
      expect(readZip(readFileSync(backup)).map((e) => e.name)).toEqual(
        expect.arrayContaining(['task.json', 'annotations.json']),
      );
      restoredId = Number(
        (await cli('task', 'create-from-backup', backup, '--completion_verification_period', '0.2')).trim(),
      );
      expect(restoredId).not.toBe(taskId);
      const restored = await firstValueFrom(rx.tasks.retrieve(restoredId));
      expect(restored.size).toBe(3);
      expect(await annotationCounts(restoredId)).toEqual(await annotationCounts(taskId));
      const original = await firstValueFrom(rx.tasks.retrieve(taskId));
      for (const i of [0, 1, 2]) {
        const a = await firstValueFrom(original.frame(i, { quality: 'original' }));
        const b = await firstValueFrom(restored.frame(i, { quality: 'original' }));
        expect(sha256(b)).toBe(sha256(a));
      }
    });

    it('task delete / project delete: gone for cvat-rx too', async () => {
      await cli('task', 'delete', String(taskId), String(restoredId));
      await cli('project', 'delete', String(projectId));
      for (const id of [taskId, restoredId]) {
        await expect(firstValueFrom(rx.tasks.retrieve(id))).rejects.toMatchObject({ status: 404 });
      }
      await expect(firstValueFrom(rx.projects.retrieve(projectId))).rejects.toMatchObject({ status: 404 });
      expect(idsOf(await cli('task', 'ls', '--json'))).not.toContain(taskId);
    });
  });

  describe('cvat-sdk', () => {
    interface SdkReport {
      server_version: string;
      task_id: number;
      task_size: number;
      frames: string[];
      downloaded_frames: string[];
      labels: Record<string, number>;
      after_set: Counts;
      after_create: Counts;
      updated_points: number[];
      after_delete: Counts;
      dataset_entries: string[];
      backup_entries: string[];
      after_datumaro_import: Counts;
      yolo_entries: string[];
      restored_id: number;
      restored_size: number;
      restored_annotations: Counts;
      org_id: number;
      org_listed: boolean;
      org_task_id: number;
      org_task_organization: number;
      org_tasks: number[];
    }

    it('create_from_data, get_frame, download_frames, annotations, export (CVAT, Datumaro, YOLO), import, backup, organizations', async () => {
      const sdkWork = join(work, 'sdk');
      const r = await run(PYTHON, [SDK_SCRIPT, server.url, USER, sdkWork, ...images], PASSWORD, work);
      const report = JSON.parse(succeeded(r).trim().split('\n').pop()!) as SdkReport;
      expect(report.server_version).toBe('2.73.1');

      const task = await firstValueFrom(rx.tasks.retrieve(report.task_id));
      expect(task.size).toBe(report.task_size);
      const rxFrames = await Promise.all(
        [0, 1, 2].map(async (i) => sha256(await firstValueFrom(task.frame(i, { quality: 'original' })))),
      );
      expect(report.frames).toEqual(rxFrames);
      expect(report.frames).toEqual(IMAGES.map(([, data]) => sha256(data)));
      expect(report.downloaded_frames).toEqual(['frame_000000.png', 'frame_000001.png', 'frame_000002.png']);
      expect(await pixelHashes(report.downloaded_frames.map((f) => join(sdkWork, 'frames', f)))).toEqual(
        await pixelHashes(images),
      );
      const rxLabels = await lastValueFrom(task.labels().pipe(toArray()));
      expect(Object.fromEntries(rxLabels.map((l) => [l.name, l.id]))).toEqual(report.labels);

      expect(report.after_set).toEqual({ tags: 1, shapes: 1, tracks: 0 });
      expect(report.after_create).toEqual({ tags: 1, shapes: 2, tracks: 0 });
      expect(report.updated_points).toEqual([2, 3, 11, 13]);
      expect(report.after_delete).toEqual({ tags: 0, shapes: 2, tracks: 0 });
      const annotations = await firstValueFrom(task.getAnnotations());
      expect(countsOf(annotations)).toEqual(report.after_delete);
      expect((annotations.shapes ?? []).find((s) => s.type === 'rectangle')?.points).toEqual([2, 3, 11, 13]);

      expect(report.dataset_entries).toEqual(['annotations.xml']);
      expect(report.after_datumaro_import).toEqual(report.after_delete);
      expect(report.yolo_entries).toEqual([
        'obj.data',
        'obj.names',
        'obj_train_data/a.txt',
        'obj_train_data/b.txt',
        'obj_train_data/c.txt',
        'train.txt',
      ]);
      expect(report.backup_entries).toEqual(expect.arrayContaining(['task.json', 'annotations.json']));
      expect(xmlCounts(join(sdkWork, 'sdk-dataset.zip'))).toEqual(report.after_delete);

      const restored = await firstValueFrom(rx.tasks.retrieve(report.restored_id));
      expect(restored.size).toBe(report.restored_size);
      expect(countsOf(await firstValueFrom(restored.getAnnotations()))).toEqual(report.restored_annotations);
      expect(report.restored_annotations).toEqual(report.after_delete);

      expect(report.org_listed).toBe(true);
      expect(report.org_task_organization).toBe(report.org_id);
      expect(report.org_tasks).toEqual([report.org_task_id]);
      // The script removed its organization and the task in it.
      await expect(firstValueFrom(rx.tasks.retrieve(report.org_task_id))).rejects.toMatchObject({
        status: 404,
      });
      const orgs = await lastValueFrom(rx.organizations.list().pipe(toArray()));
      expect(orgs.map((o) => o.id)).not.toContain(report.org_id);
    });
  });
});
