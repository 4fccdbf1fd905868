import type { Observable } from 'rxjs';
import { CvatError } from '../errors';
import type { DetectedAnnotation } from './shapes';
import type { DetectionFunctionSpec } from './spec';

/** Decoded pixels: `data` holds `width × height` RGBA quadruples, row by row. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Turns encoded image bytes (PNG, JPEG, …) into RGBA pixels. */
export type ImageDecoder = (data: Uint8Array, mediaType: string) => Promise<RgbaImage>;

/** One frame of the task, as a detection function receives it. */
export interface FrameImage {
  /** The frame number in the task. */
  readonly frame: number;
  /** The frame's file name in the task. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** The encoded image as the server stores it. */
  readonly data: Uint8Array;
  /** `image/png`, `image/jpeg`, … (from the file name when the server does not say). */
  readonly mediaType: string;
  /** Decodes the image (once; later calls share the result). */
  decode(): Promise<RgbaImage>;
}

/** What a detection function is told besides the image. */
export interface DetectionContext {
  /** The frame's file name (as the SDK's `frame_name`). */
  readonly frameName: string;
  /** Detections less confident than this should be left out (0..1), when set. */
  readonly confThreshold: number | undefined;
  /** Return polygons instead of masks when true (a mask is then an error). */
  readonly convMaskToPoly: boolean;
  /** Aborted when the run is cancelled; long detectors may stop early. */
  readonly signal: AbortSignal;
}

/** What `detect` may return. */
export type DetectionOutput =
  | readonly DetectedAnnotation[]
  | Promise<readonly DetectedAnnotation[]>
  | Observable<DetectedAnnotation | readonly DetectedAnnotation[]>;

/** A detection function: what it can find, and how it finds it on one frame. */
export interface DetectionFunction {
  readonly spec: DetectionFunctionSpec;
  detect(context: DetectionContext, image: FrameImage): DetectionOutput;
}

/** A detection function broke a rule of the interface (its spec, or what it returned for a frame). */
export class BadFunctionError extends CvatError {
  override readonly name: string = 'BadFunctionError';
  readonly kind: string = 'bad_function';
  /** The frame whose output was wrong, when the error is about one. */
  readonly frame: number | undefined;

  constructor(message: string, options: { readonly frame?: number; readonly cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.frame = options.frame;
  }
}
