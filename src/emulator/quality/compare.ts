import type { JsonObject } from '../model';

/** An annotation as the comparison sees it: where it came from, its label and extent. */
export interface Annotation {
  readonly id: number;
  readonly jobId: number;
  readonly kind: 'tag' | 'shape';
  readonly shapeType: string | null;
  readonly labelId: number;
  /** [xtl, ytl, xbr, ybr] of a shape; null for tags. */
  readonly box: readonly [number, number, number, number] | null;
}

export type ConflictType = 'missing_annotation' | 'extra_annotation' | 'mismatching_label';

export interface Conflict {
  readonly frame: number;
  readonly type: ConflictType;
  readonly annotations: readonly Annotation[];
}

/** One matched pair (GT, job) or an unmatched side, for the confusion matrix. */
export interface Pair {
  readonly gtLabel: number | null;
  readonly dsLabel: number | null;
}

export interface FrameComparison {
  readonly conflicts: readonly Conflict[];
  readonly pairs: readonly Pair[];
}

/** The bounding box of a shape's points (x0, y0, x1, y1, …); a rectangle's box is its points. */
function boxOf(points: readonly number[]): [number, number, number, number] | null {
  if (points.length < 2) return null;
  let [xtl, ytl, xbr, ybr] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i]!;
    const y = points[i + 1]!;
    xtl = Math.min(xtl, x);
    ytl = Math.min(ytl, y);
    xbr = Math.max(xbr, x);
    ybr = Math.max(ybr, y);
  }
  return [xtl, ytl, xbr, ybr];
}

/** Tags and shapes of one frame from stored annotation objects. */
export function annotationsOn(
  frame: number,
  jobId: number,
  store: { tags: JsonObject[]; shapes: JsonObject[] },
): Annotation[] {
  const onFrame = (o: JsonObject) => o.frame === frame;
  const tags = store.tags.filter(onFrame).map((o): Annotation => ({
    id: Number(o.id),
    jobId,
    kind: 'tag',
    shapeType: null,
    labelId: Number(o.label_id),
    box: null,
  }));
  const shapes = store.shapes.filter(onFrame).map((o): Annotation => {
    const points = Array.isArray(o.points) ? o.points.map(Number) : [];
    return {
      id: Number(o.id),
      jobId,
      kind: 'shape',
      shapeType: typeof o.type === 'string' ? o.type : null,
      labelId: Number(o.label_id),
      box: boxOf(points),
    };
  });
  return [...tags, ...shapes];
}

/** Intersection over union of two boxes. */
export function iou(a: Annotation['box'], b: Annotation['box']): number {
  if (!a || !b) return 0;
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: readonly number[]) => Math.max(0, r[2]! - r[0]!) * Math.max(0, r[3]! - r[1]!);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy matching of shapes by IoU (the best pair first, at least `threshold`), as CVAT's
 * comparison matches shapes of one frame regardless of their labels and then checks the labels;
 * tags match by label.
 */
export function matchShapes(
  gt: readonly Annotation[],
  ds: readonly Annotation[],
  threshold: number,
): { matched: Array<[Annotation, Annotation]>; gtOnly: Annotation[]; dsOnly: Annotation[] } {
  const candidates: Array<{ g: number; d: number; score: number }> = [];
  gt.forEach((g, gi) =>
    ds.forEach((d, di) => {
      const score = iou(g.box, d.box);
      if (score >= threshold && score > 0) candidates.push({ g: gi, d: di, score });
    }),
  );
  candidates.sort((x, y) => y.score - x.score || x.g - y.g || x.d - y.d);
  const usedG = new Set<number>();
  const usedD = new Set<number>();
  const matched: Array<[Annotation, Annotation]> = [];
  for (const c of candidates) {
    if (usedG.has(c.g) || usedD.has(c.d)) continue;
    usedG.add(c.g);
    usedD.add(c.d);
    matched.push([gt[c.g]!, ds[c.d]!]);
  }
  return {
    matched,
    gtOnly: gt.filter((_, i) => !usedG.has(i)),
    dsOnly: ds.filter((_, i) => !usedD.has(i)),
  };
}

function matchTags(
  gt: readonly Annotation[],
  ds: readonly Annotation[],
): { matched: Array<[Annotation, Annotation]>; gtOnly: Annotation[]; dsOnly: Annotation[] } {
  const left = [...ds];
  const matched: Array<[Annotation, Annotation]> = [];
  const gtOnly: Annotation[] = [];
  for (const g of gt) {
    const i = left.findIndex((d) => d.labelId === g.labelId);
    if (i < 0) gtOnly.push(g);
    else matched.push([g, left.splice(i, 1)[0]!]);
  }
  return { matched, gtOnly, dsOnly: left };
}

/** The conflicts and label pairs of one frame: ground truth against a job's annotations. */
export function compareFrame(
  frame: number,
  gt: readonly Annotation[],
  ds: readonly Annotation[],
  iouThreshold: number,
): FrameComparison {
  const shapes = matchShapes(
    gt.filter((a) => a.kind === 'shape'),
    ds.filter((a) => a.kind === 'shape'),
    iouThreshold,
  );
  const tags = matchTags(
    gt.filter((a) => a.kind === 'tag'),
    ds.filter((a) => a.kind === 'tag'),
  );
  const conflicts: Conflict[] = [];
  const pairs: Pair[] = [];
  for (const result of [shapes, tags]) {
    for (const [g, d] of result.matched) {
      pairs.push({ gtLabel: g.labelId, dsLabel: d.labelId });
      if (g.labelId !== d.labelId) conflicts.push({ frame, type: 'mismatching_label', annotations: [d, g] });
    }
    for (const g of result.gtOnly) {
      pairs.push({ gtLabel: g.labelId, dsLabel: null });
      conflicts.push({ frame, type: 'missing_annotation', annotations: [g] });
    }
    for (const d of result.dsOnly) {
      pairs.push({ gtLabel: null, dsLabel: d.labelId });
      conflicts.push({ frame, type: 'extra_annotation', annotations: [d] });
    }
  }
  return { conflicts, pairs };
}
