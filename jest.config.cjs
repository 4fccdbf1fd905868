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
  // Always run spec files in worker processes (never in band), recycled when they grow, so that one
  // file's sockets, servers or memory cannot affect another's.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
};
