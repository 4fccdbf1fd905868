/** Tests are TypeScript compiled to CommonJS by ts-jest; type checking is `npm run typecheck`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: {
          module: 'commonjs',
          moduleResolution: 'node10',
          target: 'ES2022',
          esModuleInterop: true,
          isolatedModules: true,
          ignoreDeprecations: '6.0',
          resolveJsonModule: true,
        },
        diagnostics: false,
      },
    ],
  },
  testTimeout: 60000,
  // Every spec file runs in a fresh worker process (never in band; a limit this low recycles the worker
  // after each file): nock patches Node's http module, which jest's per-file module registry does not
  // reset, so one file's interceptors, sockets or servers must not reach the next file.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1MB',
};
