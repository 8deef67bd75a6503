/** Browser journeys: the real server (production build) driven by Debian's Chromium. */
/** @type {import('jest').Config} */
// The same handling of ES-module-only packages as the unit and integration tests (the OIDC test provider needs it).
const { transform, transformIgnorePatterns } = require('./jest.config.js');

// TEST_DB=postgres (issue 19): only the end-to-end files about the database engine run on PostgreSQL;
// the browser journeys test pages, which are the same on either engine. Each server the harness starts
// gets a database of its own on the throwaway cluster that the unit suite's global setup starts (or on
// PG_URL's server). Listed by name: a file missing from the tree simply matches nothing.
const onPostgres = process.env.TEST_DB === 'postgres';
const postgresFiles = [
  'crash.e2e.test.ts', // SIGKILL mid-traffic: every answered success survives, nothing half written
  'instances.e2e.test.ts', // two app instances on one PostgreSQL behind HAProxy
];
// Needs PostgreSQL (several instances share one database): not run on SQLite. A negated pattern, so a
// --testPathIgnorePatterns on the command line (CI's Node 24 run) cannot bring it back.
const postgresOnly = ['instances.e2e.test.ts'];

module.exports = {
  testEnvironment: 'node',
  roots: onPostgres ? ['<rootDir>/test/e2e'] : ['<rootDir>/test/e2e', '<rootDir>/test/probe'],
  // The event-loop probe times /healthz under load, so it runs here, alone, like the browser journeys.
  testMatch: onPostgres
    ? postgresFiles.map((file) => `**/e2e/${file}`)
    : ['**/*.e2e.test.ts', '**/probe/event-loop.test.ts', ...postgresOnly.map((file) => `!**/e2e/${file}`)],
  transform,
  transformIgnorePatterns,
  maxWorkers: 1,
  testTimeout: 180000,
  // On PostgreSQL: the unit suite's global setup starts the throwaway cluster (unless PG_URL names a
  // server) and its teardown stops it.
  ...(onPostgres ? { globalSetup: '<rootDir>/test/global-setup.ts', globalTeardown: '<rootDir>/test/global-teardown.ts' } : {}),
};
