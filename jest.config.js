/** Jest runs the TypeScript sources directly through SWC; `npm test` type-checks them with tsc first. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The long fault runs (10,000 tickets through a killed worker) run with `npm run test:faults`, not `npm test`.
  testPathIgnorePatterns: process.env.HOTLINE_FAULTS ? [] : ['/test/long-faults/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/setup-env.js'],
  verbose: true,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
