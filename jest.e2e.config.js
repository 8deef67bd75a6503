/** Browser journeys: the real server (production build) driven by Debian's Chromium. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  maxWorkers: 1,
  testTimeout: 180000,
};
