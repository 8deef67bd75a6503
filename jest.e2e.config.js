/** Browser journeys: the real server (production build) driven by Debian's Chromium. */
/** @type {import('jest').Config} */
// The same handling of ES-module-only packages as the unit and integration tests (the OIDC test provider needs it).
const { transform, transformIgnorePatterns } = require('./jest.config.js');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e', '<rootDir>/test/probe'],
  // The event-loop probe times /healthz under load, so it runs here, alone, like the browser journeys.
  testMatch: ['**/*.e2e.test.ts', '**/probe/event-loop.test.ts'],
  transform,
  transformIgnorePatterns,
  maxWorkers: 1,
  testTimeout: 180000,
};
