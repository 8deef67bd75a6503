/** @type {import('jest').Config} */

// Packages we depend on that ship only ES modules. Node (20.19+, 22, 24) loads them from our CommonJS
// build with require(); jest has its own module loader, so it needs them turned into CommonJS first.
const esmOnly = ['jose', 'openid-client', 'oauth4webapi', 'oidc-provider', 'pdf-parse', 'flesch-kincaid', 'syllable'];

// TEST_DB=postgres runs the suite on PostgreSQL (issue 19; npm run test:pg). These files are about
// SQLite's file itself and have no meaning there; everything else runs on both engines.
const onPostgres = process.env.TEST_DB === 'postgres';
const sqliteOnly = {
  'test/integration/database.test.ts': 'SQLite pragmas (WAL, busy timeout, synchronous) and a fresh database file',
  'test/integration/backup.test.ts': "SQLite's online file backup and restore (PostgreSQL: pg_dump/pg_restore, see cli.test.ts)",
  'test/integration/bulk-write.test.ts': "pacing SQLite's WAL file and checkpoints during an import",
  'test/integration/audit-concurrency.test.ts': "two processes on one SQLite file and BEGIN IMMEDIATE's write lock (postgres-engine.test.ts covers the chain's advisory lock)",
  'test/integration/status-index-migration.test.ts': 'replays an old SQLite file through a later migration',
  'test/integration/policy-text-course-migration.test.ts': 'replays an old SQLite file through a later migration',
  'test/integration/sqlite-migration-race.test.ts': "two processes migrating one fresh SQLite file at once (postgres-engine.test.ts covers PostgreSQL's migration lock)",
  'test/probe/secrets-at-rest.test.ts': "reads the bytes of the SQLite file, its WAL and file backups",
  'test/probe/file-permissions.test.ts': 'modes of the SQLite file, its -wal and -shm and file backups',
};
// Only meaningful with a PostgreSQL server: several pools on one database, advisory locks.
const postgresOnly = {
  'test/integration/postgres-engine.test.ts': 'several instances on one PostgreSQL database: migration lock, audit chain lock, serializable retries',
  'test/integration/db-copy.test.ts': 'db:copy copies a SQLite deployment into a PostgreSQL database: it needs both engines',
};
const notHere = Object.keys(onPostgres ? sqliteOnly : postgresOnly).map((file) => `/${file.replace(/\./g, '\\.')}$`);

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The event-loop probe measures /healthz latency: it runs with the browser tests, one file at a time,
  // so no other test file competes for the two cores while it measures.
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/probe/event-loop.test.ts', ...notHere],
  transform: {
    '^.+\\.ts$': ['ts-jest', {}],
    // ts-jest compiles these JavaScript files as CommonJS whatever their package's "type" says.
    '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', isolatedModules: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  // Each test file gets its own SQLite file; two workers fit this 2-core machine.
  maxWorkers: 2,
  // PostgreSQL answers every query over a socket rather than in-process: the long tests need more time there.
  testTimeout: onPostgres ? 90000 : 30000,
  // Installs Debian's poppler-utils when missing: the PDF tests read documents back with it.
  globalSetup: '<rootDir>/test/global-setup.ts',
  // Stops the PostgreSQL cluster that the setup started for TEST_DB=postgres (nothing on SQLite).
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
