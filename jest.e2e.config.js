/** Browser journeys: the real server (production build) driven by Debian's Chromium. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e', '<rootDir>/test/probe'],
  // The event-loop probe times /healthz under load, so it runs here, alone, like the browser journeys.
  testMatch: ['**/*.e2e.test.ts', '**/probe/event-loop.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  maxWorkers: 1,
  testTimeout: 180000,
};
