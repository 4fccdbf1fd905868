/** The embedded CVAT-compatible emulator (Node only). */
export { startEmulator, Emulator } from './server';
export type { EmulatorOptions, EmulatorUser, RunningEmulator } from './server';
export type { FaultRule } from './faults';
export type { EmulatorDetection, EmulatorLambdaAttribute, EmulatorLambdaFunction } from './resources/lambda';
