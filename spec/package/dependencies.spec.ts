import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';

/**
 * What a user's `npm install cvat-rx` brings, read from package-lock.json: the production tree
 * (dependencies and peer dependencies, followed the way npm resolves nested node_modules).
 */
const root = path.resolve(__dirname, '../..');

interface LockedPackage {
  readonly version?: string;
  readonly engines?: Readonly<Record<string, string>> | readonly string[];
  readonly dev?: boolean;
  readonly hasInstallScript?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** The lock entry npm would pick for `name` required from the package at `from`. */
function resolveFrom(from: string, name: string): string | undefined {
  for (let base = from; ;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

function productionTree(): Map<string, LockedPackage> {
  const rootEntry = lock.packages[''] ?? {};
  const seen = new Map<string, LockedPackage>();
  const visit = (from: string, names: readonly string[]): void => {
    for (const name of names) {
      const key = resolveFrom(from, name);
      if (key === undefined || seen.has(key)) continue;
      const entry = lock.packages[key]!;
      seen.set(key, entry);
      visit(key, [
        ...Object.keys(entry.dependencies ?? {}),
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...Object.keys(entry.peerDependencies ?? {}),
      ]);
    }
  };
  visit('', [...Object.keys(rootEntry.dependencies ?? {}), ...Object.keys(rootEntry.peerDependencies ?? {})]);
  return seen;
}

describe('the production dependency tree (package-lock.json)', () => {
  const tree = productionTree();

  it('is found in the lock file', () => {
    expect([...tree.keys()]).toEqual(expect.arrayContaining(['node_modules/rxjs', 'node_modules/axios']));
  });

  it('runs no install script on a user machine (no preinstall, install or postinstall)', () => {
    const withScripts = [...tree].filter(([, entry]) => entry.hasInstallScript === true).map(([key]) => key);
    expect(withScripts).toEqual([]);
  });

  it('does not include io-ts-reporters or its telemetry package', () => {
    const names = [...tree.keys()];
    expect(names.filter((key) => /io-ts-reporters|@scarf\//.test(key))).toEqual([]);
  });
});

describe('engines (npm ci warns EBADENGINE for a package that refuses the running Node)', () => {
  const declared = (lock.packages['']?.engines as Readonly<Record<string, string>> | undefined)?.['node'];

  it('the package declares the Node versions it supports', () => {
    expect(declared).toBeDefined();
    expect(semver.satisfies(process.versions.node, declared ?? '')).toBe(true);
  });

  it('every locked package, dev dependencies included, accepts every Node version the package declares', () => {
    const refusing: string[] = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      const engines = entry.engines;
      const node =
        engines && !Array.isArray(engines) ? (engines as Record<string, string>)['node'] : undefined;
      if (key === '' || node === undefined) continue;
      if (!semver.subset(declared ?? '', node)) refusing.push(`${key} wants node ${node}`);
    }
    expect(refusing).toEqual([]);
  });
});
