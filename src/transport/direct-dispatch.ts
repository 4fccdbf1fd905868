/**
 * axios' request pipeline, done ahead for cvat-rx's private axios instance on Node.
 *
 * `instance.request()` merges the instance's defaults into each request's config, runs the
 * interceptors and transforms, sets its default headers, then calls the adapter. cvat-rx's
 * instance has no interceptors and no transforms, and its defaults never change after it is made,
 * so all that work gives the same config every time but the headers, the body and the URL. Here it
 * is done once (`mergeConfig`), and per request only what depends on the request: the headers
 * (axios' defaults for the method, then the request's, names compared case-insensitively, and its
 * form Content-Type for a POST, PUT or PATCH that names none), then the adapter is called
 * directly. In the per-call bench this is most of what axios' own code cost per request.
 */
import axios, { AxiosHeaders } from 'axios';
import type {
  AxiosAdapter,
  AxiosInstance,
  AxiosRequestConfig,
  AxiosResponse,
  InternalAxiosRequestConfig,
  RawAxiosHeaders,
} from 'axios';

export type Dispatch = <T>(config: AxiosRequestConfig) => Promise<AxiosResponse<T>>;

const WITH_FORM_DEFAULT = new Set(['post', 'put', 'patch']);

/**
 * `instance.request` when the instance may still get interceptors; otherwise the direct call to
 * `adapter`. The instance's defaults and interceptors are read now: it must not change afterwards.
 */
export function directDispatch(instance: AxiosInstance, adapter: AxiosAdapter): Dispatch {
  const { request, response } = instance.interceptors as unknown as Record<
    'request' | 'response',
    { handlers?: unknown[] }
  >;
  if ((request.handlers?.length ?? 1) > 0 || (response.handlers?.length ?? 1) > 0) {
    return (config) => instance.request(config);
  }
  const { headers: defaultHeaders, ...base } = axios.mergeConfig(instance.defaults as AxiosRequestConfig, {});
  const byMethod = new Map<string, RawAxiosHeaders>();
  const headersFor = (method: string): RawAxiosHeaders => {
    let headers = byMethod.get(method);
    if (headers === undefined) {
      const all = (defaultHeaders ?? {}) as unknown as Record<string, RawAxiosHeaders | undefined>;
      headers = { ...all.common, ...all[method] };
      byMethod.set(method, headers);
    }
    return headers;
  };
  return <T>(config: AxiosRequestConfig) => {
    const method = (config.method ?? 'get').toLowerCase();
    const headers = AxiosHeaders.concat(headersFor(method), config.headers as RawAxiosHeaders);
    if (WITH_FORM_DEFAULT.has(method)) headers.setContentType('application/x-www-form-urlencoded', false);
    // The defaults as the prototype, not copied: the adapter reads every option by name, and a
    // copy of some thirty defaults per request was this function's main cost in the frames bench.
    const full = Object.assign(Object.create(base) as object, config, { method, headers });
    return adapter(full as InternalAxiosRequestConfig) as Promise<AxiosResponse<T>>;
  };
}
