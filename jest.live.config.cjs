/**
 * `npm run test:live`: the conformance cases (spec/conformance) and the client lifecycle
 * (spec/live) against a real CVAT given by CVAT_HOST, with CVAT_USER/CVAT_PASSWORD or
 * CVAT_ACCESS_TOKEN (and CVAT_USER2/CVAT_PASSWORD2, CVAT_USER3/CVAT_PASSWORD3 for the cases with
 * other users). Everything created is named with a unique prefix and removed at the end.
 */
const base = require('./jest.config.cjs');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/spec/conformance/**/*.spec.ts', '<rootDir>/spec/live/**/*.spec.ts'],
  // The harness's own test checks the emulator's bookkeeping; it has nothing to say about a server.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/spec/conformance/harness.spec.ts'],
  globalSetup: '<rootDir>/spec/live/require-host.cjs',
  // A real server is slower than the emulator; its requests queue behind other users' work.
  testTimeout: 600000,
  // One file at a time: a production server should not see this run as a burst.
  maxWorkers: 1,
};
