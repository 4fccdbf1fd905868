import fc from 'fast-check';
import { MAX_REQUEST_SIZE, planUpload } from '../../src/transfer/plan';
import type { UploadSource } from '../../src/transfer/source';

const file = (name: string, size: number, seekable = true): UploadSource => ({
  name,
  size,
  seekable,
  open: () => Promise.resolve(new Uint8Array(0)),
  ...(seekable ? { blob: () => Promise.resolve(new Blob([])) } : {}),
});

const names = (sources: readonly UploadSource[]) => sources.map((s) => s.name);

describe('planUpload', () => {
  it('packs small files greedily in input order and sends larger ones by TUS', () => {
    const plan = planUpload([file('a', 40), file('b', 50), file('big', 101), file('c', 20), file('d', 100)], {
      maxRequestSize: 100,
    });
    expect(plan.bulk.map((g) => [names(g.sources), g.size])).toEqual([
      [['a', 'b'], 90],
      [['c'], 20],
      [['d'], 100],
    ]);
    expect(names(plan.tus)).toEqual(['big']);
    expect(plan.total).toBe(311);
  });

  it('uses CVAT’s 100 MiB ceiling by default', () => {
    expect(MAX_REQUEST_SIZE).toBe(100 * 1024 * 1024);
    const plan = planUpload([file('exact', MAX_REQUEST_SIZE), file('over', MAX_REQUEST_SIZE + 1)]);
    expect(plan.bulk.map((g) => names(g.sources))).toEqual([['exact']]);
    expect(names(plan.tus)).toEqual(['over']);
  });

  it('sends one-shot streams by TUS whatever their size', () => {
    const plan = planUpload([file('s', 1, false), file('a', 1)]);
    expect(names(plan.tus)).toEqual(['s']);
    expect(plan.bulk).toHaveLength(1);
  });

  it('sends everything by TUS in tus mode', () => {
    const plan = planUpload([file('a', 1), file('b', 2)], { mode: 'tus' });
    expect(plan.bulk).toEqual([]);
    expect(names(plan.tus)).toEqual(['a', 'b']);
  });

  it('keeps every file exactly once, every group within the limit, order preserved', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 250 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 200 }),
        (sizes, limit) => {
          const sources = sizes.map((size, i) => file(`f${i}`, size));
          const plan = planUpload(sources, { maxRequestSize: limit });
          const bulkNames = plan.bulk.flatMap((g) => names(g.sources));
          expect([...bulkNames, ...names(plan.tus)].sort()).toEqual(names(sources).sort());
          expect(bulkNames).toEqual(names(sources.filter((s) => s.size <= limit)));
          for (const group of plan.bulk) {
            expect(group.size).toBeLessThanOrEqual(limit);
            expect(group.size).toBe(group.sources.reduce((sum, s) => sum + s.size, 0));
          }
          // Greedy: a group closed only because the next file did not fit.
          plan.bulk
            .slice(1)
            .forEach((group, i) => expect(plan.bulk[i].size + group.sources[0].size).toBeGreaterThan(limit));
          expect(plan.total).toBe(sizes.reduce((a, b) => a + b, 0));
        },
      ),
    );
  });
});
