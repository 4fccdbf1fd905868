import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as models from '../../src/models';
import { decodeOrThrow } from '../../src/transport/decode';
import { BENCH_DIR } from '../lib/spawn';
import { median, nowMs } from '../lib/stats';

export interface DecodeFigure {
  readonly name: string;
  readonly bytes: number;
  /** Milliseconds per document, one entry per run. */
  readonly parseMs: number[];
  readonly parseDecodeMs: number[];
  /** JSON.parse + io-ts `decode` alone: decodeOrThrow before its `is()` fast path. */
  readonly parseFullDecodeMs: number[];
}

/** A LabeledData as CVAT sends it for a big job: rectangles, polygons, attributes, a few skeletons. */
export function makeLabeledData(shapes: number): unknown {
  const out = [];
  for (let i = 0; i < shapes; i++) {
    const polygon = i % 4 === 3;
    out.push({
      type: polygon ? 'polygon' : 'rectangle',
      occluded: i % 7 === 0,
      outside: false,
      z_order: 0,
      rotation: 0,
      points: polygon
        ? [i % 640, 10.5, (i % 640) + 20, 15.25, (i % 640) + 10, 40, i % 640, 30]
        : [i % 640, (i * 7) % 480, (i % 640) + 50.5, ((i * 7) % 480) + 40.25],
      id: i + 1,
      frame: Math.floor(i / 100),
      label_id: 1 + (i % 5),
      group: 0,
      source: 'manual',
      attributes: [{ spec_id: 1, value: i % 2 ? 'true' : 'false' }],
      elements: [],
    });
  }
  return { version: 1, tags: [], shapes: out, tracks: [], intervals: [] };
}

/** Times `JSON.parse` alone and `JSON.parse` + decode of one text, `runs` times each, interleaved. */
function measure(
  name: string,
  text: string,
  codecs: (value: unknown) => void,
  full: (value: unknown) => void,
  runs: number,
): DecodeFigure {
  // Small documents are repeated so that one timing lasts long enough to be meaningful.
  const probe = nowMs();
  codecs(JSON.parse(text));
  const once = Math.max(nowMs() - probe, 0.01);
  const reps = Math.max(1, Math.min(2000, Math.round(150 / once)));
  const loop = (decode?: (value: unknown) => void): number => {
    const start = nowMs();
    for (let i = 0; i < reps; i++) {
      const value: unknown = JSON.parse(text);
      if (decode) decode(value);
    }
    return (nowMs() - start) / reps;
  };
  loop();
  loop(codecs);
  loop(full); // warm
  const parseMs: number[] = [];
  const parseDecodeMs: number[] = [];
  const parseFullDecodeMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    parseMs.push(loop());
    parseDecodeMs.push(loop(codecs));
    parseFullDecodeMs.push(loop(full));
  }
  return { name, bytes: Buffer.byteLength(text), parseMs, parseDecodeMs, parseFullDecodeMs };
}

const decoderOf =
  (codec: t.Mixed) =>
  (value: unknown): void => {
    decodeOrThrow(codec, value, { operationId: 'bench' });
  };

/**
 * What decodeOrThrow did before its fast path (kept here for the before/after row): io-ts `decode`,
 * which builds an Either and a context per key even for valid data.
 */
export function fullDecode<A, O>(codec: t.Type<A, O, unknown>, value: unknown): A {
  const result = codec.decode(value);
  if (isLeft(result)) throw new Error(`bench: ${codec.name} did not decode`);
  return result.right;
}

const fullDecoderOf =
  (codec: t.Mixed) =>
  (value: unknown): void => {
    fullDecode(codec, value);
  };

/** What each fixture holds; annotations.json has LabeledData objects keyed by job and task id. */
const FIXTURES: Record<string, t.Mixed> = {
  'tasks.json': models.PaginatedTaskReadList,
  'jobs.json': models.PaginatedJobReadList,
  'projects.json': models.PaginatedProjectReadList,
  'labels.json': models.PaginatedLabelList,
  'users.json': models.PaginatedMetaUserList,
};

/** annotations.json: `{ job: { <id>: LabeledData }, task: { <id>: LabeledData } }`. */
const annotationsDecoder =
  (decode: (value: unknown) => void) =>
  (value: unknown): void => {
    if (typeof value !== 'object' || value === null) throw new Error('annotations.json: not an object');
    for (const group of Object.values(value)) {
      if (typeof group !== 'object' || group === null) throw new Error('annotations.json: bad group');
      for (const data of Object.values(group)) decode(data);
    }
  };

export function fixturesDir(): string {
  return resolve(BENCH_DIR, '../../shared/cvat/fixtures');
}

export function runDecode(shapes: number, runs: number): { figures: DecodeFigure[]; skipped?: string } {
  const figures = [
    measure(
      `LabeledData, ${shapes.toLocaleString('en')} shapes`,
      JSON.stringify(makeLabeledData(shapes)),
      decoderOf(models.LabeledData),
      fullDecoderOf(models.LabeledData),
      runs,
    ),
  ];
  const dir = fixturesDir();
  if (!existsSync(dir)) return { figures, skipped: `${dir} is absent: real fixtures skipped` };
  const annotations = resolve(dir, 'annotations.json');
  if (existsSync(annotations)) {
    const text = readFileSync(annotations, 'utf8');
    figures.push(
      measure(
        'fixture annotations.json (LabeledData)',
        text,
        annotationsDecoder(decoderOf(models.LabeledData)),
        annotationsDecoder(fullDecoderOf(models.LabeledData)),
        runs,
      ),
    );
  }
  for (const [file, codec] of Object.entries(FIXTURES)) {
    const path = resolve(dir, file);
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      figures.push(
        measure(`fixture ${file} (${codec.name})`, text, decoderOf(codec), fullDecoderOf(codec), runs),
      );
    }
  }
  return { figures };
}

export const ratioOf = (f: DecodeFigure): number => median(f.parseDecodeMs) / median(f.parseMs);
export const fullRatioOf = (f: DecodeFigure): number => median(f.parseFullDecodeMs) / median(f.parseMs);
