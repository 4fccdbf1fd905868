import type { Json, JsonObject } from '../model';

/** One frame of a track as CVAT's exporters see it (TrackManager.get_interpolated_shapes). */
export interface TrackFrame {
  frame: number;
  keyframe: boolean;
  outside: boolean;
  type: string;
  points: number[];
  occluded: boolean;
  z_order: number;
  rotation: number;
  /** The track's attributes followed by those of the keyframe in effect. */
  attributes: Json[];
}

const nums = (v: Json | undefined): number[] =>
  Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];

/**
 * Every frame a track covers, from its first keyframe to `lastFrame`: keyframes as stored (outside
 * ones included), the frames between two keyframes interpolated linearly, and the frames after the
 * last visible keyframe repeating it, as CVAT does. A keyframe that is outside hides the track
 * until the next keyframe. Shapes whose point counts differ keep the earlier shape's points
 * (CVAT resamples such polygons; the emulator does not).
 */
export function interpolateTrack(track: JsonObject, lastFrame: number): TrackFrame[] {
  const keys = (Array.isArray(track.shapes) ? track.shapes : [])
    .map((s) => s as JsonObject)
    .sort((a, b) => Number(a.frame) - Number(b.frame));
  const trackAttributes = Array.isArray(track.attributes) ? track.attributes : [];
  const out: TrackFrame[] = [];
  keys.forEach((key, i) => {
    const base: TrackFrame = {
      frame: Number(key.frame),
      keyframe: true,
      outside: key.outside === true,
      type: String(key.type),
      points: nums(key.points),
      occluded: key.occluded === true,
      z_order: Number(key.z_order ?? 0),
      rotation: Number(key.rotation ?? 0),
      attributes: [...trackAttributes, ...(Array.isArray(key.attributes) ? key.attributes : [])],
    };
    out.push(base);
    if (base.outside) return;
    const next = keys[i + 1];
    const end = next ? Number(next.frame) : lastFrame + 1;
    const nextPoints = next ? nums(next.points) : [];
    const lerp = next !== undefined && nextPoints.length === base.points.length;
    for (let f = base.frame + 1; f < end; f++) {
      const t = next ? (f - base.frame) / (Number(next.frame) - base.frame) : 0;
      out.push({
        ...base,
        frame: f,
        keyframe: false,
        points: lerp ? base.points.map((p, k) => p + (nextPoints[k]! - p) * t) : base.points,
        rotation: next ? base.rotation + (Number(next.rotation ?? 0) - base.rotation) * t : base.rotation,
      });
    }
  });
  return out;
}
