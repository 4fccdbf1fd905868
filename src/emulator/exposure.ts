const LOOPBACK = new Set(['localhost', '::1', '[::1]']);

/** Whether `host` (an address or name to listen on) keeps the emulator on this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Listening beyond this machine while the admin password is still the default one. */
export function defaultPasswordExposed(host: string, adminPassword: string): boolean {
  return !isLoopbackHost(host) && adminPassword === 'admin';
}
