// `cvat-rx/auto-annotation`: detection functions run over a task's frames (browser-safe).
export * from './spec';
export * from './shapes';
export type {
  DetectionContext,
  DetectionFunction,
  DetectionOutput,
  FrameImage,
  ImageDecoder,
  RgbaImage,
} from './function';
export { BadFunctionError } from './function';
export type { LabelNameMapping, SpecNameMapping, TaskAttribute, TaskLabel } from './mapping';
export { AnnotationMapper } from './mapping';
export type {
  AnnotateTaskOptions,
  AnnotateTaskResult,
  ClientLike,
  DetectOptions,
  Detections,
} from './driver';
export { annotateTask, detectFrame, detectTask, uploadDetections } from './driver';
export { browserImageDecoder } from './decode';
export { sniffMediaType } from './frames';
export { Slots } from './slots';
export type { AgentEvent, ServeAgentOptions } from './agent';
export { BadRequestError, serveAgent } from './agent';
export type { ArParams, NativeFunction, RequestCategory } from './functions-api';
export {
  createNativeFunction,
  deleteNativeFunction,
  nativeFunctionBody,
  retrieveNativeFunction,
} from './functions-api';
export type { Annotated, ShapeExtras } from './shapes';
export type { LabelExtras } from './spec';
export type { MapperOptions } from './mapping';
