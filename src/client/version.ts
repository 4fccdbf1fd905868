/**
 * Server versions cvat-rx is tested with. CVAT's Python SDK supports its own major.minor and the
 * next one; cvat-rx is generated from CVAT 2.73's schema, so it accepts 2.73.x and 2.74.x.
 */
export const TESTED_SERVER_VERSION = '2.73.1';

export interface ServerVersionCheck {
  /** The version `/api/server/about` reported. */
  readonly version: string;
  readonly supported: boolean;
  /** The `major.minor` series cvat-rx accepts without a warning. */
  readonly supportedSeries: readonly string[];
}

function majorMinor(version: string): [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export function supportedSeries(tested: string = TESTED_SERVER_VERSION): string[] {
  const mm = majorMinor(tested);
  if (!mm) return [];
  return [`${mm[0]}.${mm[1]}`, `${mm[0]}.${mm[1] + 1}`];
}

/** Whether a server version falls in a supported `major.minor` series. */
export function checkServerVersion(
  version: string,
  tested: string = TESTED_SERVER_VERSION,
): ServerVersionCheck {
  const series = supportedSeries(tested);
  const mm = majorMinor(version);
  const supported = mm !== undefined && series.includes(`${mm[0]}.${mm[1]}`);
  return { version, supported, supportedSeries: series };
}
