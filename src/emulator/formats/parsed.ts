import type { Json, JsonObject } from '../model';

/** Annotations read from a dataset file, in the shape of CVAT's annotation API. */
export interface Parsed {
  tags: JsonObject[];
  shapes: JsonObject[];
  tracks: JsonObject[];
}

/** A shape of a track as the annotation API stores it: its geometry and state on one frame. */
export function trackedShape(s: JsonObject, attributes: Json): JsonObject {
  return {
    type: s.type ?? null,
    frame: s.frame ?? null,
    points: s.points ?? null,
    occluded: s.occluded ?? null,
    outside: s.outside ?? null,
    z_order: s.z_order ?? null,
    rotation: s.rotation ?? null,
    attributes,
  };
}
