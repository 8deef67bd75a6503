/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  // Each test file gets its own SQLite file; two workers fit this 2-core machine.
  maxWorkers: 2,
  testTimeout: 30000,
};
