import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { from } from 'rxjs';
import { run } from './helpers';

describe('cvat-rx task commands', () => {
  it('task ls prints one id per line', async () => {
    const r = await run(['task', 'ls']);
    expect(r.code).toBe(0);
    expect(r.stdout.text).toBe('1\n2\n');
    expect(r.calls).toEqual([{ method: 'listTasks', arg: undefined }]);
  });

  it('task ls --json prints the server objects as one JSON array', async () => {
    const r = await run(['task', 'ls', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.text)).toEqual([
      { id: 1, name: 'first', status: 'annotation' },
      { id: 2, name: 'second', status: 'completed' },
    ]);
  });

  it('task ls --json prints [] for no tasks', async () => {
    const r = await run(['task', 'ls', '--json'], { overrides: { listTasks: () => from([]) } });
    expect(r.stdout.text.trim()).toBe('[]');
  });

  it('task create maps every option and prints the new id as the last stdout line', async () => {
    const r = await run([
      'task',
      'create',
      'my task',
      'local',
      'a.jpg',
      'b.png',
      '--labels',
      '[{"name":"car","color":"#ff0000"},{"name":"person"}]',
      '--project_id',
      '3',
      '--bug_tracker',
      'https://bugs/1',
      '--overlap',
      '2',
      '--segment_size',
      '100',
      '--image_quality',
      '90',
      '--chunk_size',
      '16',
      '--sorting-method',
      'natural',
      '--frame_step',
      '5',
      '--start_frame',
      '10',
      '--stop_frame',
      '200',
      '--use_cache',
      '--use_zip_chunks',
      '--copy_data',
      '--cloud_storage_id',
      '7',
      '--filename_pattern',
      '*.jpg',
      '--annotation_path',
      'ann.xml',
      '--annotation_format',
      'COCO 1.0',
      '--completion_verification_period',
      '0.5',
    ]);
    expect(r.stderr.text).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout.lines.at(-1)).toBe('42');
    expect(r.calls).toEqual([
      {
        method: 'createTask',
        arg: {
          name: 'my task',
          resourceType: 'local',
          resources: ['a.jpg', 'b.png'],
          spec: {
            labels: [{ name: 'car', color: '#ff0000' }, { name: 'person' }],
            projectId: 3,
            bugTracker: 'https://bugs/1',
            overlap: 2,
            segmentSize: 100,
          },
          data: {
            imageQuality: 90,
            sortingMethod: 'natural',
            useCache: true,
            useZipChunks: true,
            copyData: true,
            chunkSize: 16,
            frameStep: 5,
            startFrame: 10,
            stopFrame: 200,
            cloudStorageId: 7,
            filenamePattern: '*.jpg',
          },
          annotations: { path: 'ann.xml', format: 'COCO 1.0' },
          pollIntervalMs: 500,
        },
      },
    ]);
  });

  it('task create applies cvat-cli defaults and accepts dash spellings and --bug', async () => {
    const r = await run([
      'task',
      'create',
      't',
      'remote',
      'https://x/a.jpg',
      '--image-quality=55',
      '--bug',
      'u',
      '--annotation-path',
      'a.zip',
    ]);
    expect(r.code).toBe(0);
    const arg = r.calls[0]?.arg;
    expect(arg).toMatchObject({
      resourceType: 'remote',
      spec: { bugTracker: 'u' },
      data: { imageQuality: 55, sortingMethod: 'lexicographical', useCache: false, useZipChunks: false },
      annotations: { path: 'a.zip', format: 'CVAT 1.1' },
    });
    expect(arg).not.toHaveProperty('pollIntervalMs');
  });

  it('task create reads --labels from a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cvat-rx-cli-'));
    try {
      const file = path.join(dir, 'labels.json');
      writeFileSync(file, JSON.stringify([{ name: 'dog', attributes: [] }]));
      const r = await run(['task', 'create', 't', 'share', 'dir/', '--labels', file]);
      expect(r.code).toBe(0);
      expect(r.calls[0]?.arg).toMatchObject({
        resourceType: 'share',
        spec: { labels: [{ name: 'dog', attributes: [] }] },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['task', 'create', 't', 'ftp', 'a.jpg'], 'RESOURCE_TYPE: invalid choice "ftp"'],
    [['task', 'create', 't', 'local'], 'missing RESOURCES'],
    [['task', 'create', 't', 'local', 'a', '--labels', '{"name":"x"}'], 'expected a JSON array'],
    [['task', 'create', 't', 'local', 'a', '--labels', '[{"color":"red"}]'], 'item 0 has no "name"'],
    [['task', 'create', 't', 'local', 'a', '--labels', 'nope'], 'not valid JSON'],
    [
      ['task', 'create', 't', 'local', 'a', '--image_quality', 'high'],
      '--image-quality: expected an integer',
    ],
    [['task', 'create', 't', 'local', 'a', '--image_quality', '101'], 'expected 0 to 100'],
    [['task', 'create', 't', 'local', 'a', '--sorting-method', 'size'], 'invalid choice "size"'],
    [['task', 'create', 't', 'local', 'a', '--no-such-option'], 'Unknown option'],
    [['task', 'delete', 'x'], 'IDS: expected an integer'],
    [['task', 'delete'], 'missing IDS'],
    [['task', 'frames', '1'], 'missing FRAME_IDS'],
    [['task', 'frames', '1', '2', '--quality', 'best'], 'invalid choice "best"'],
    [['task', 'export-dataset', '1', 'out.zip', '--with-images', 'maybe'], 'expected yes or no'],
    [['task', 'import-dataset', '1'], 'missing FILE'],
    [['task', 'backup', '1', 'a', 'b'], 'unexpected argument "b"'],
    [['task', 'fly'], 'unknown action "fly"'],
    [['task'], 'missing action'],
    [['tusk', 'ls'], 'unknown command "tusk"'],
    [[], 'missing command'],
    [['--server-port', 'abc', 'task', 'ls'], '--server-port: expected an integer'],
    [['--no-such-global'], 'Unknown option'],
    [
      ['task', 'export-dataset', '1', 'f', '--completion_verification_period', '0'],
      'positive number of seconds',
    ],
  ])('%j is a usage error (exit 2): %s', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr.lines).toHaveLength(1);
    expect(r.stderr.text).toContain('cvat-rx: error: ');
    // The program's name once: `cvat-rx: error: cvat-rx: …` said it twice.
    expect(r.stderr.text).not.toMatch(/error: cvat-rx:/);
    expect(r.stderr.text).toContain(message);
    expect(r.stdout.text).toBe('');
    expect(r.calls).toEqual([]);
    expect(r.connections).toEqual([]);
  });

  it.each([
    [['tsk', 'ls'], 'unknown command "tsk" (did you mean "task"?)'],
    [['projetc', 'ls'], 'unknown command "projetc" (did you mean "project"?)'],
    [['task', 'sl'], 'unknown action "sl" (did you mean "ls"?)'],
    [['task', 'expor-dataset', '1', 'x'], 'unknown action "expor-dataset" (did you mean "export-dataset"?)'],
  ])('%j suggests the closest name: %s', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr.lines).toEqual([expect.stringMatching(/^cvat-rx: error: /)]);
    expect(r.stderr.text).toContain(message);
  });

  it('suggests nothing for a word far from every command', async () => {
    const r = await run(['zzzzzz', 'ls']);
    expect(r.stderr.text).not.toContain('did you mean');
  });

  it('task delete prints deleted ids and warns about missing ones on stderr', async () => {
    const r = await run(['task', 'delete', '5', '404', '6']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([{ method: 'deleteTasks', arg: [5, 404, 6] }]);
    expect(r.stdout.text).toBe('5\n6\n');
    expect(r.stderr.text).toContain('Task 404 not found, skipped');
  });

  it('task frames passes ids, outdir and quality, and prints the files', async () => {
    const r = await run(['task', 'frames', '3', '0', '7', '--outdir', 'imgs', '--quality', 'compressed']);
    expect(r.code).toBe(0);
    expect(r.calls[0]).toEqual({
      method: 'downloadFrames',
      arg: { taskId: 3, frameIds: [0, 7], outdir: 'imgs', quality: 'compressed' },
    });
    expect(r.stdout.lines).toEqual(['imgs/task_3_frame_000000.jpg', 'imgs/task_3_frame_000007.jpg']);
  });

  it('task frames defaults to the current directory and original quality', async () => {
    const r = await run(['task', 'frames', '3', '1']);
    expect(r.calls[0]?.arg).toEqual({ taskId: 3, frameIds: [1], outdir: '.', quality: 'original' });
  });

  it('task export-dataset: defaults, --format, --with-images yes', async () => {
    const a = await run(['task', 'export-dataset', '8', 'out.zip']);
    expect(a.calls[0]).toEqual({
      method: 'exportTaskDataset',
      arg: { id: 8, filename: 'out.zip', format: 'CVAT for images 1.1', includeImages: false },
    });
    expect(a.stdout.text).toBe('out.zip\n');
    const b = await run([
      'task',
      'export-dataset',
      '8',
      'out.zip',
      '--format',
      'YOLO 1.1',
      '--with-images',
      'yes',
    ]);
    expect(b.calls[0]?.arg).toMatchObject({ format: 'YOLO 1.1', includeImages: true });
  });

  it('task import-dataset: default format, a note on stderr, nothing on stdout', async () => {
    const r = await run(['task', 'import-dataset', '8', 'ann.zip']);
    expect(r.code).toBe(0);
    expect(r.calls[0]).toEqual({
      method: 'importTaskDataset',
      arg: { id: 8, filename: 'ann.zip', format: 'CVAT 1.1' },
    });
    expect(r.stdout.text).toBe('');
    expect(r.stderr.text).toContain('Imported ann.zip into task 8');
  });

  it('task backup and create-from-backup', async () => {
    const a = await run(['task', 'backup', '8', 'b.zip', '--completion-verification-period', '3']);
    expect(a.calls[0]).toEqual({
      method: 'backupTask',
      arg: { id: 8, filename: 'b.zip', pollIntervalMs: 3000 },
    });
    expect(a.stdout.text).toBe('b.zip\n');
    const b = await run(['task', 'create-from-backup', 'b.zip']);
    expect(b.calls[0]).toEqual({ method: 'createTaskFromBackup', arg: { filename: 'b.zip' } });
    expect(b.stdout.lines.at(-1)).toBe('77');
  });
});

describe('cvat-rx project commands', () => {
  it('project ls and ls --json', async () => {
    expect((await run(['project', 'ls'])).stdout.text).toBe('10\n');
    expect(JSON.parse((await run(['project', 'ls', '--json'])).stdout.text)).toEqual([
      { id: 10, name: 'proj' },
    ]);
  });

  it('project create with labels, bug tracker and a dataset prints the id last', async () => {
    const r = await run([
      'project',
      'create',
      'P',
      '--labels',
      '[{"name":"a"}]',
      '--bug_tracker',
      'b',
      '--dataset_path',
      'd.zip',
      '--dataset_format',
      'COCO 1.0',
    ]);
    expect(r.code).toBe(0);
    expect(r.calls[0]).toEqual({
      method: 'createProject',
      arg: {
        name: 'P',
        labels: [{ name: 'a' }],
        bugTracker: 'b',
        dataset: { path: 'd.zip', format: 'COCO 1.0' },
      },
    });
    expect(r.stdout.lines.at(-1)).toBe('11');
  });

  it('project create without a dataset sends no dataset', async () => {
    const r = await run(['project', 'create', 'P']);
    expect(r.calls[0]).toEqual({ method: 'createProject', arg: { name: 'P' } });
  });

  it.each([
    [['project', 'delete', '1', '2'], 'deleteProjects', [1, 2], '1\n2\n'],
    [
      ['project', 'export-dataset', '4', 'x.zip', '--with-images', 'true'],
      'exportProjectDataset',
      { id: 4, filename: 'x.zip', format: 'CVAT for images 1.1', includeImages: true },
      'x.zip\n',
    ],
    [
      ['project', 'import-dataset', '4', 'x.zip', '--format', 'COCO 1.0'],
      'importProjectDataset',
      { id: 4, filename: 'x.zip', format: 'COCO 1.0' },
      '',
    ],
    [['project', 'backup', '4', 'p.zip'], 'backupProject', { id: 4, filename: 'p.zip' }, 'p.zip\n'],
    [['project', 'create-from-backup', 'p.zip'], 'createProjectFromBackup', { filename: 'p.zip' }, '12\n'],
  ])('%j calls %s', async (argv, method, arg, stdout) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([{ method, arg }]);
    expect(r.stdout.text).toBe(stdout);
  });

  it('project frames does not exist', async () => {
    const r = await run(['project', 'frames', '1', '2']);
    expect(r.code).toBe(2);
  });
});

describe('cvat-rx global options, help and version', () => {
  it('builds the connection from --server-host, --server-port, --org and --insecure', async () => {
    const r = await run([
      '--server-host',
      'https://cvat.example.com',
      '--server-port',
      '8443',
      '--org',
      'team',
      '--insecure',
      'task',
      'ls',
    ]);
    expect(r.connections).toHaveLength(1);
    expect(r.connections[0]).toMatchObject({
      host: 'https://cvat.example.com:8443',
      organization: 'team',
      verifySsl: false,
      credentials: { kind: 'password', username: 'alice', password: 'default-pass' },
    });
    expect(r.connections[0]?.debug).toBeUndefined();
  });

  it('defaults: http://localhost, no organization, TLS verified; global options may follow the command', async () => {
    const r = await run(['task', 'ls', '--organization', '']);
    expect(r.connections[0]).toMatchObject({ host: 'http://localhost', organization: '', verifySsl: true });
  });

  it('joins a scheme-less host and a port like cvat-cli', async () => {
    const r = await run(['--server-host', 'myhost', '--server_port', '8080', 'task', 'ls']);
    expect(r.connections[0]?.host).toBe('myhost:8080');
  });

  it('--help prints every command on stdout and exits 0 without connecting', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const command of [
      'task create',
      'task frames',
      'project create-from-backup',
      'emulator',
      '--server-host',
    ]) {
      expect(r.stdout.text).toContain(command);
    }
    expect(r.connections).toEqual([]);
  });

  it('command --help lists that command options', async () => {
    const r = await run(['task', 'create', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.text).toContain('--sorting-method');
    expect(r.stdout.text).toContain('NAME RESOURCE_TYPE RESOURCES...');
    const g = await run(['project', '-h']);
    expect(g.stdout.text).toContain('create-from-backup');
  });

  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.text.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('--debug passes a debug sink and logs the connection without secrets', async () => {
    const r = await run(['--debug', 'task', 'ls']);
    expect(typeof r.connections[0]?.debug).toBe('function');
    r.connections[0]?.debug?.('GET /api/tasks 200');
    expect(r.stderr.text).toContain('debug: task ls on http://localhost as user "alice"');
    expect(r.stderr.text).toContain('debug: GET /api/tasks 200');
  });
});

describe('cvat-rx emulator', () => {
  it('prints the URL on stdout and passes --port', async () => {
    const { of } = await import('rxjs');
    const { makeFakeFactory } = await import('./fake-backend');
    const fake = makeFakeFactory({}, () => of({ url: 'http://127.0.0.1:8080', message: 'user admin' }));
    const r = await run(['emulator', '--port', '8080'], { factory: fake.factory });
    expect(r.code).toBe(0);
    expect(fake.emulatorArgs).toEqual([{ port: 8080 }]);
    expect(r.stdout.text).toBe('http://127.0.0.1:8080\n');
    expect(r.stderr.text).toContain('user admin');
    expect(fake.connections).toEqual([]);
  });
});
