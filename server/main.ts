import http from 'node:http';
import { createApp } from './app';
import { useAuditKeys } from './audit/keyring';
import { sealUnkeyedEvents } from './audit/seal';
import { DatabaseSessionStore } from './auth/session-store';
import { ensureFirstAdmin } from './auth/setup';
import { systemClock } from './clock';
import { ConfigError, configWarnings, loadConfig, type Config } from './config';
import { openDatabase } from './db/database';
import { migrateToLatest } from './db/migrate';
import { ensurePrivateDir } from './files';
import { createLogger } from './http/logging';
import { loadCatalogue } from './content/loader';
import { buildServices } from './services';

const SHUTDOWN_GRACE_MS = 10_000;

export async function start(config: Config): Promise<{ server: http.Server; stop: () => Promise<void> }> {
  const log = createLogger(config.logLevel);
  for (const warning of configWarnings(config)) log.warn(warning);
  // Content first: a broken course file stops start-up before anything is touched.
  const catalogue = loadCatalogue(config.contentDir);
  const openDir = ensurePrivateDir(config.dataDir);
  if (openDir) log.warn(openDir);
  const database = openDatabase(config.databasePath, { synchronous: config.dbSynchronous });
  useAuditKeys(config.auditKeys);
  const applied = await migrateToLatest(database.db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const sealed = await sealUnkeyedEvents(database.db, systemClock, applied);
  if (sealed) log.info({ events: sealed }, 'existing audit events sealed under the audit key');

  const first = await ensureFirstAdmin(database.db, systemClock, config.bootstrapAdmin, config.orgName);
  if (first.kind === 'admin-created') log.info({ email: first.email }, 'first admin created from ADMIN_EMAIL');
  if (first.kind === 'setup-link') {
    // Printed to the console for the operator, never to the structured log.
    console.log(`\nNo administrator exists yet. Open this one-time link within 24 hours to create one:\n\n  ${config.baseUrl}/setup/${first.token}\n`);
  }

  const sessions = new DatabaseSessionStore(database.db, systemClock, config.sessionIdleMs);
  const services = buildServices(config, database.db, systemClock, catalogue);
  // Status rows for people added while the server was down, or computed under other due-date rules.
  const refreshed = await services.training.index.refreshStale(database.db);
  if (refreshed) log.info({ people: refreshed }, 'training status brought up to date');
  const app = createApp({ config, db: database.db, databaseReadable: database.readable, clock: systemClock, log, sessions, catalogue, ...services });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, baseUrl: config.baseUrl, database: config.databasePath }, 'Privacy Rounds is listening');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('shutting down: finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(force);
      sessions.stop();
      await database.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { server, stop };
}

if (require.main === module) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  }
  start(config).then(({ stop }) => {
    const onSignal = () => { void stop().then(() => process.exit(0)); };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }).catch((e: unknown) => {
    console.error(`Privacy Rounds could not start: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
