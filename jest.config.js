/** @type {import('jest').Config} */

// Packages we depend on that ship only ES modules. Node (20.19+, 22, 24) loads them from our CommonJS
// build with require(); jest has its own module loader, so it needs them turned into CommonJS first.
const esmOnly = ['jose', 'openid-client', 'oauth4webapi', 'oidc-provider', 'pdf-parse', 'flesch-kincaid', 'syllable'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The event-loop probe measures /healthz latency: it runs with the browser tests, one file at a time,
  // so no other test file competes for the two cores while it measures.
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/probe/event-loop.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', {}],
    // ts-jest compiles these JavaScript files as CommonJS whatever their package's "type" says.
    '^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', isolatedModules: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  // Each test file gets its own SQLite file; two workers fit this 2-core machine.
  maxWorkers: 2,
  testTimeout: 30000,
  // Installs Debian's poppler-utils when missing: the PDF tests read documents back with it.
  globalSetup: '<rootDir>/test/global-setup.ts',
  // Stops the PostgreSQL cluster that the setup started for TEST_DB=postgres (nothing on SQLite).
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
