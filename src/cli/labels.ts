import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors';
import type { LabelInput } from './backend';

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `--labels` is a JSON string or the path of a JSON file (a file wins, as in cvat-cli). */
export function parseLabels(raw: string): LabelInput[] {
  let text = raw;
  if (existsSync(raw)) {
    try {
      text = readFileSync(raw, 'utf8');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UsageError(`--labels: cannot read ${raw}: ${reason}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError('--labels: not valid JSON and not an existing file');
  }
  if (!Array.isArray(parsed)) throw new UsageError('--labels: expected a JSON array of labels');
  return parsed.map((item: unknown, index): LabelInput => {
    if (!isRecord(item)) throw new UsageError(`--labels: item ${index} is not an object`);
    const name = item['name'];
    if (typeof name !== 'string' || name === '') {
      throw new UsageError(`--labels: item ${index} has no "name" string`);
    }
    return { ...item, name };
  });
}
