import type { GlobalOptions } from './command-spec';

/** `--server-host` plus `--server-port`, as cvat-cli joins them. */
export function serverUrl(globals: Pick<GlobalOptions, 'serverHost' | 'serverPort'>): string {
  const host = globals.serverHost.replace(/\/+$/, '');
  if (globals.serverPort === undefined) return host;
  try {
    const url = new URL(host);
    url.port = String(globals.serverPort);
    return url.toString().replace(/\/+$/, '');
  } catch {
    return `${host}:${globals.serverPort}`;
  }
}
