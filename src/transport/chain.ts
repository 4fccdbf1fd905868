import { defer } from 'rxjs';
import type { Handler, Interceptor } from './types';

/**
 * Composes interceptors around a handler, the first outermost (Angular's `reduceRight`). Each step
 * runs inside `defer`, so a step that throws ends in the error channel, and every subscription
 * (and every retry) runs the steps inside it again.
 */
export function composeChain(interceptors: readonly Interceptor[], backend: Handler): Handler {
  return interceptors.reduceRight<Handler>(
    (next, interceptor) => (request) => defer(() => interceptor(request, next)),
    (request) => defer(() => backend(request)),
  );
}
