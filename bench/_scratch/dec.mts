import { readFileSync } from 'node:fs';
import * as models from '../../src/models';
import { makeLabeledData } from '../suites/decode';
const docs: Array<[string, string, any]> = [
  ['labeled100k', JSON.stringify(makeLabeledData(100000)), models.LabeledData],
  ['tasks', readFileSync('../shared/cvat/fixtures/tasks.json', 'utf8'), models.PaginatedTaskReadList],
  ['jobs', readFileSync('../shared/cvat/fixtures/jobs.json', 'utf8'), models.PaginatedJobReadList],
];
for (const [name, text, codec] of docs) {
  const reps = name === 'labeled100k' ? 5 : 300;
  const t = (f: () => void) => { f(); const s = performance.now(); for (let i = 0; i < reps; i++) f(); return (performance.now() - s) / reps; };
  for (let k = 0; k < 2; k++) {
    const p = t(() => JSON.parse(text));
    const d = t(() => codec.decode(JSON.parse(text)));
    const is = t(() => { if (!codec.is(JSON.parse(text))) throw new Error('not is'); });
    console.log(name, 'parse', p.toFixed(3), 'decode', (d / p).toFixed(2), 'is', (is / p).toFixed(2));
  }
}
