import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as t from 'io-ts';
import { DecodeError } from '../../src/errors';
import * as models from '../../src/models';
import { decodeOrThrow } from '../../src/transport/decode';

// The generated codecs against CVAT's real recorded responses (../shared/cvat/fixtures).
const fixturesDir = path.resolve(__dirname, '../../../shared/cvat/fixtures');
const present = existsSync(fixturesDir);
if (!present) console.warn(`spec/contract: skipped, ${fixturesDir} is absent (CI has it)`);
const describeWithFixtures = present ? describe : describe.skip;

type Path = ReadonlyArray<string | number>;

/** How each fixture decodes; annotations.json holds LabeledData objects by job and by task id. */
const envelopes: Record<string, t.Mixed> = {
  'tasks.json': models.PaginatedTaskReadList,
  'jobs.json': models.PaginatedJobReadList,
  'projects.json': models.PaginatedProjectReadList,
  'labels.json': models.PaginatedLabelList,
  'users.json': models.PaginatedMetaUserList,
};

/** One field per fixture set to a wrong type, and the path the DecodeError must name. */
const corruptions: Record<string, { at: Path; value: unknown; issue: string }> = {
  'tasks.json': { at: ['results', 0, 'name'], value: 42, issue: 'results.0.name: expected string, got 42' },
  'jobs.json': {
    at: ['results', 1, 'stage'],
    value: 'bogus',
    issue: 'results.1.stage: expected JobStage, got "bogus"',
  },
  'projects.json': { at: ['results', 0, 'id'], value: '7', issue: 'results.0.id: expected integer, got "7"' },
  'labels.json': {
    at: ['results', 2, 'attributes'],
    value: {},
    issue: 'results.2.attributes: expected Array<Attribute>, got {}',
  },
  'users.json': {
    at: ['results', 0, 'username'],
    value: false,
    issue: 'results.0.username: expected string, got false',
  },
};

function read(file: string): unknown {
  return JSON.parse(readFileSync(path.join(fixturesDir, file), 'utf8'));
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

function getAt(root: unknown, at: Path): unknown {
  let node: unknown = root;
  for (const key of at) node = isObject(node) ? Reflect.get(node, key) : undefined;
  return node;
}

function setAt(root: unknown, at: Path, value: unknown): void {
  const node = getAt(root, at.slice(0, -1));
  const last = at[at.length - 1];
  if (!isObject(node) || last === undefined) throw new Error(`no ${at.join('.')}`);
  if (!Reflect.has(node, last)) throw new Error(`the fixture has no ${at.join('.')}`);
  Reflect.set(node, last, value);
}

function decodeError(run: () => unknown): DecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  throw new Error('decoded without error');
}

/** Every LabeledData of annotations.json, as [owner, id, data]. */
function annotationEntries(): Array<[string, string, unknown]> {
  const all = read('annotations.json');
  const out: Array<[string, string, unknown]> = [];
  for (const owner of ['job', 'task']) {
    const byId = getAt(all, [owner]);
    if (!isObject(byId)) throw new Error(`annotations.json has no ${owner} map`);
    for (const [id, data] of Object.entries(byId)) out.push([owner, id, data]);
  }
  return out;
}

describeWithFixtures('real CVAT responses decode with the generated codecs', () => {
  const files = present ? readdirSync(fixturesDir).filter((file) => file.endsWith('.json')) : [];

  it('knows the codec of every fixture', () => {
    expect(files.filter((file) => file !== 'annotations.json' && !(file in envelopes))).toEqual([]);
  });

  it.each(Object.keys(envelopes))('%s decodes as its paginated envelope', (file) => {
    const decoder = envelopes[file];
    if (decoder === undefined) throw new Error(file);
    const body = read(file);
    const decoded = decodeOrThrow(decoder, body);
    expect(decoded).toEqual(body); // not exact: nothing is stripped, unknown fields survive
  });

  it('every LabeledData under job and task in annotations.json decodes', () => {
    const entries = annotationEntries();
    expect(entries.length).toBeGreaterThan(0);
    for (const [owner, id, data] of entries) {
      expect(() => decodeOrThrow(models.LabeledData, data, { operationId: `${owner} ${id}` })).not.toThrow();
    }
  });

  it.each(Object.keys(corruptions))('%s with one field of the wrong type fails naming its path', (file) => {
    const corruption = corruptions[file];
    const decoder = envelopes[file];
    if (corruption === undefined || decoder === undefined) throw new Error(file);
    const body = read(file);
    setAt(body, corruption.at, corruption.value);
    const error = decodeError(() => decodeOrThrow(decoder, body));
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) expect(issue.startsWith(corruption.at.join('.'))).toBe(true);
    expect(error.issues.some((issue) => issue.startsWith(corruption.issue))).toBe(true);
  });

  it('annotations with one shape frame of the wrong type fail naming its path', () => {
    const [, , data] = annotationEntries().find(([, , value]) => {
      const shapes = getAt(value, ['shapes']);
      return Array.isArray(shapes) && shapes.length > 0;
    }) ?? ['', '', undefined];
    setAt(data, ['shapes', 0, 'frame'], 1.5);
    const error = decodeError(() => decodeOrThrow(models.LabeledData, data));
    expect(error.issues).toEqual(['shapes.0.frame: expected integer, got 1.5']);
  });

  it('fields a newer server adds pass (decoding is forward compatible)', () => {
    const body = read('tasks.json');
    setAt(body, ['results', 0, 'name'], 'still a string');
    Reflect.set(Reflect.get(Reflect.get(body as object, 'results') as object, 0) as object, 'added_in_3_0', {
      x: [1],
    });
    const decoded = decodeOrThrow(models.PaginatedTaskReadList, body);
    expect(decoded.results[0]).toHaveProperty('added_in_3_0', { x: [1] });
  });
});
